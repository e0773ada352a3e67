import BasicElements
import Foundation
import G711
import MediaCore
import MediaTesting
@testable import Recognizer
import Speex
import SpeexDSP
import Testing

/// A recording or transcript of pocketsphinx-testdata that is not installed.
struct MissingTestData: Error, CustomStringConvertible {
    var path: String
    var description: String { "\(path) is missing: install the Debian package pocketsphinx-testdata (make deps)" }
}

/// Real human speech from Debian's `pocketsphinx-testdata` (installed by `make deps`): read
/// sentences (librivox) and card-game commands with a JSGF grammar (cards), with transcripts.
@Suite("Recognition of real recordings", .serialized)
struct RealSpeechTests {
    let registry = try! NodeRegistry(plugins: [BasicElementsPlugin.self, SpeexPlugin.self, SpeexDSPPlugin.self, G711Plugin.self, RecognizerPlugin.self])

    static let data = "/usr/share/pocketsphinx/test/data"
    static let pcmu = "resample rate=8000 ! pcmu-encoder ! pcmu-decoder ! "

    /// A recording of the package; fails (never skips) when the package is missing.
    static func recording(_ path: String) throws -> Signal {
        guard let bytes = FileManager.default.contents(atPath: "\(data)/\(path)") else {
            throw MissingTestData(path: "\(data)/\(path)")
        }
        return try WAVFile.read(bytes)
    }

    /// The transcripts of a `<s> words </s> (id)` file, by id.
    static func transcripts(_ path: String) throws -> [(id: String, text: String)] {
        guard let text = try? String(contentsOfFile: "\(data)/\(path)", encoding: .utf8) else {
            throw MissingTestData(path: "\(data)/\(path)")
        }
        return text.split(separator: "\n").compactMap { line in
            guard let open = line.lastIndex(of: "(") else { return nil }
            let words = line[..<open].split(separator: " ").filter { $0 != "<s>" && $0 != "</s>" }.joined(separator: " ")
            return (String(line[line.index(after: open)...].dropLast()), words)
        }
    }

    /// Pushes `signal` through `pipeline` (ending in a recognizer) and returns what it posted.
    func run(_ pipeline: String, _ signal: Signal) throws -> [MediaEvent] {
        // The recognizer's pass-through output goes nowhere: a resampler before it flushes its
        // last frame only at the end.
        let h = try NodeHarness(pipeline: pipeline + " ! null-sink", registry: registry, inputs: [.mono16(signal.sampleRate)])
        try h.push(signal)
        try h.finish()
        return h.postedMessages.map(\.event)
    }

    static func texts(_ events: [MediaEvent]) -> [String] {
        events.compactMap { if case .recognized(let text, _, _, _) = $0 { text } else { nil } }
    }

    /// Words wrong (by minimum edit distance) and words in the references, over the 92 words of
    /// the librivox and cards recordings through `path` into a recognizer.
    func errors(through path: String) throws -> (errors: Int, words: Int) {
        var errors = 0, words = 0
        let corpus = try Self.transcripts("librivox/transcription").map { ("librivox/\($0.id).wav", $0.text) }
            + Self.transcripts("cards/cards.transcription").map { ("cards/\($0.id).wav", $0.text) }
        #expect(corpus.count == 10)
        for (file, text) in corpus {
            let heard = Self.texts(try run(path + "recognizer", try Self.recording(file))).joined(separator: " ")
            let reference = text.split(separator: " ").map(String.init), hypothesis = heard.split(separator: " ").map(String.init)
            errors += Self.editDistance(reference, hypothesis)
            words += reference.count
        }
        return (errors, words)
    }

    static func editDistance(_ a: [String], _ b: [String]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

    @Test("real speech: 16 kHz no worse than 22.8 % WER; through PCMU under 40 % (the −20 dB fold made 44.6 %)")
    func wordErrorRates() throws {
        let wide = try errors(through: "")
        #expect(wide.words == 92)
        #expect(Double(wide.errors) / Double(wide.words) <= 0.228, "16 kHz: \(wide.errors) errors in \(wide.words) words")
        let pcmu = try errors(through: Self.pcmu)
        #expect(Double(pcmu.errors) / Double(pcmu.words) < 0.40, "PCMU: \(pcmu.errors) errors in \(pcmu.words) words")
    }

    @Test("with the cards grammar, every cards utterance is recognized without an error through PCMU")
    func cardsGrammar() throws {
        for (id, text) in try Self.transcripts("cards/cards.transcription") {
            let heard = try run(Self.pcmu + "recognizer grammar=\(Self.data)/cards/cards.gram", try Self.recording("cards/\(id).wav"))
            #expect(Self.texts(heard) == [text], "cards/\(id).wav")
        }
    }

    @Test("phrases= builds a grammar on the fly: each utterance is one of the phrases")
    func phrases() throws {
        let cards = try Self.transcripts("cards/cards.transcription")
        let list = cards.map(\.text).joined(separator: "|")
        for (id, text) in cards {
            let heard = try run(Self.pcmu + "recognizer phrases=\"\(list)\"", try Self.recording("cards/\(id).wav"))
            #expect(Self.texts(heard) == [text], "cards/\(id).wav")
        }
    }

    @Test("a phrase with a word the dictionary lacks fails the graph at start, naming the word")
    func unknownWord() throws {
        #expect {
            _ = try NodeHarness(pipeline: "recognizer phrases=\"press one|frobnicate the zorblax\"", registry: registry,
                                inputs: [.mono16(16_000)])
        } throws: { error in
            "\(error)".contains("'frobnicate'") && "\(error)".contains("'zorblax'")
        }
    }

    @Test("a key phrase is spotted in a long narrowband recording within 100 ms of where it was said")
    func keyphrase() throws {
        // Where "amiable woman" is in its sentence, by aligning the 16 kHz original to its transcript.
        let sentence = try Self.recording("librivox/sense_and_sensibility_01_austen_64kb-0920.wav")
        let transcript = try #require(try Self.transcripts("librivox/transcription").first { $0.id.hasSuffix("0920") }).text
        let aligned = try run("recognizer phrases=\"\(transcript)\"", sentence)
        guard case .recognized(_, _, _, let details)? = aligned.first else {
            Issue.record("the sentence was not aligned: \(aligned)")
            return
        }
        let words = details.words
        let index = try #require(words.indices.first { words[$0].text == "amiable" && words[$0 + 1].text == "woman" })
        let said = words[index].start.seconds
        // The long recording: the five librivox sentences with pauses, the phrase's sentence fourth.
        var long = Signal.silence(duration: .milliseconds(500), sampleRate: 16_000)
        var offset = 0.0
        for id in ["0870", "0880", "0890", "0920", "0930"] {
            if id == "0920" { offset = Double(long.samples.count) / 16_000 }
            long = long.appending(try Self.recording("librivox/sense_and_sensibility_01_austen_64kb-\(id).wav"))
                .appending(.silence(duration: .seconds(1), sampleRate: 16_000))
        }
        let spotted = try run(Self.pcmu + "recognizer keyphrase=\"amiable woman\" keyphrase-threshold=-10", long)
        let detections = spotted.compactMap { event -> (String, Double, Recognition)? in
            if case .recognized(let text, let start, _, let details) = event { (text, start.seconds, details) } else { nil }
        }
        #expect(detections.count == 1, "\(detections)")
        guard let detection = detections.first else { return }
        #expect(detection.0 == "amiable woman" && detection.2.isKeyphrase)
        #expect(abs(detection.1 - (offset + said)) < 0.1, "spotted at \(detection.1) s, said at \(offset + said) s")
    }

    @Test("words carry times inside their utterance and confidences; nbest lists distinct alternatives")
    func wordsAndAlternatives() throws {
        let events = try run("recognizer nbest=3", try Self.recording("librivox/sense_and_sensibility_01_austen_64kb-0880.wav"))
        guard case .recognized(let text, let start, let end, let details)? = events.first else {
            Issue.record("nothing recognized")
            return
        }
        #expect(details.words.map(\.text).joined(separator: " ") == text)
        #expect(details.words.count >= 6)
        for (previous, word) in zip(details.words, details.words.dropFirst()) {
            #expect(previous.end <= word.start, "\(previous) before \(word)")
        }
        for word in details.words {
            #expect(word.start < word.end && (0...1).contains(word.confidence), "\(word)")
            #expect(word.start.seconds >= start.seconds - 0.35 && word.end.seconds <= end.seconds + 0.25, "\(word) in \(start)–\(end)")
        }
        #expect(details.alternatives.first == text)
        #expect((2...3).contains(details.alternatives.count) && Set(details.alternatives).count == details.alternatives.count,
                "\(details.alternatives)")
    }

    @Test("partial=true posts growing partial hypotheses while a long utterance is spoken, then the result")
    func partialResults() throws {
        let events = try run(Self.pcmu + "recognizer partial=true", try Self.recording("librivox/sense_and_sensibility_01_austen_64kb-0870.wav"))
        let partials = events.compactMap { event -> (String, Double)? in
            if case .recognizing(let text, _, let at) = event { (text, at.seconds) } else { nil }
        }
        #expect(partials.count >= 5, "\(partials)")
        #expect(zip(partials, partials.dropFirst()).allSatisfy { $0.1 < $1.1 }, "heard-to times grow: \(partials)")
        #expect(partials.last.map { $0.1 < 7.2 } == true)
        let final = events.firstIndex { if case .recognized = $0 { true } else { false } }
        let lastPartial = events.lastIndex { if case .recognizing = $0 { true } else { false } }
        #expect(final != nil && lastPartial != nil && lastPartial! < final!, "the result comes after the partials")
        #expect(Self.texts(events).first?.contains("leisure to consider how") == true, "\(Self.texts(events))")
    }
}
