import Flite
import Foundation
import G711
import G722
import GSM
import MediaCore
import MediaTesting
import Opus
@testable import Recognizer
import Speex
import SpeexDSP
import Testing

/// Speech round trips: flite speaks, a codec path carries it, pocketsphinx must get every word.
@Suite("Speech recognition", .serialized)
struct RecognitionTests {
    let registry = try! NodeRegistry(plugins: [FlitePlugin.self, SpeexPlugin.self, SpeexDSPPlugin.self, G711Plugin.self,
                                               OpusPlugin.self, G722Plugin.self, GSMPlugin.self, RecognizerPlugin.self])

    static let sentences = ["one two three four five", "hello world", "testing one two three",
                            "please call me back tomorrow", "the meeting starts at nine"]

    /// Runs `pipeline` (ending in a recognizer) until its source ends; returns what it recognized.
    func recognize(_ pipeline: String) throws -> [(text: String, start: Double, end: Double, score: Double)] {
        let h = try NodeHarness(pipeline: pipeline, registry: registry)
        for _ in 0..<(30 * 50) where !h.graph.isFinished {
            h.clock.advance(by: .milliseconds(20))
        }
        // The audio passes through, whole.
        #expect(h.outputs.count == Int(h.graph.tick) - 1 || h.outputs.count == Int(h.graph.tick))
        _ = h.outputEvents()
        try h.finish()
        return h.postedMessages.compactMap { message in
            if case .recognized(let text, let start, let end, let details) = message.event {
                return (text, start.seconds, end.seconds, details.score)
            }
            return nil
        }
    }

    @Test("wideband: tts → 16 kHz → Speex WB → recognizer gets every word", arguments: sentences)
    func wideband(sentence: String) throws {
        let found = try recognize(
            "tts voice=rms text=\"\(sentence)\" ! resample rate=16000 ! speex-encoder mode=wb ! speex-decoder ! recognizer")
        #expect(found.map(\.text) == [sentence])
    }

    @Test("narrowband: tts → 8 kHz → PCMU → recognizer gets every word (voices rms and awb)", arguments: sentences)
    func narrowband(sentence: String) throws {
        for voice in ["rms", "awb"] {
            let found = try recognize(
                "tts voice=\(voice) text=\"\(sentence)\" ! resample rate=8000 ! pcmu-encoder ! pcmu-decoder ! recognizer")
            #expect(found.map(\.text) == [sentence], "\(voice)")
        }
    }

    @Test("Opus at 16 kHz: tts → 16 kHz → Opus → recognizer gets every word", arguments: sentences)
    func opusWideband(sentence: String) throws {
        let found = try recognize(
            "tts voice=rms text=\"\(sentence)\" ! resample rate=16000 ! opus-encoder ! opus-decoder rate=16000 ! recognizer")
        #expect(found.map(\.text) == [sentence])
    }

    @Test("Opus at 48 kHz: tts → 48 kHz → Opus → 48 kHz → 16 kHz → recognizer gets every word", arguments: sentences)
    func opusFullband(sentence: String) throws {
        let found = try recognize("tts voice=rms text=\"\(sentence)\" ! resample rate=48000 ! opus-encoder ! opus-decoder rate=48000"
                                  + " ! resample rate=16000 ! recognizer")
        #expect(found.map(\.text) == [sentence])
    }

    @Test("G.722: tts → 16 kHz → G.722 → recognizer gets every word", arguments: sentences)
    func g722(sentence: String) throws {
        let found = try recognize("tts voice=rms text=\"\(sentence)\" ! resample rate=16000 ! g722-encoder ! g722-decoder ! recognizer")
        #expect(found.map(\.text) == [sentence])
    }

    @Test("GSM: tts → 8 kHz → GSM 06.10 → recognizer gets every word", arguments: sentences)
    func gsm(sentence: String) throws {
        let found = try recognize("tts voice=rms text=\"\(sentence)\" ! resample rate=8000 ! gsm-encoder ! gsm-decoder ! recognizer")
        #expect(found.map(\.text) == [sentence])
    }

    @Test("utterances are cut at pauses and carry their media times")
    func segmentation() throws {
        let first = try Speech.say("hello world", voice: "rms"), second = try Speech.say("what time is it", voice: "rms")
        let signal = Signal.silence(duration: .seconds(1), sampleRate: 16_000).appending(first)
            .appending(.silence(duration: .milliseconds(1_500), sampleRate: 16_000)).appending(second)
            .appending(.silence(duration: .seconds(1), sampleRate: 16_000))
        let h = try NodeHarness(pipeline: "recognizer", registry: registry, inputs: [.mono16(16_000)])
        try h.push(signal)
        #expect(h.outputSamples() == signal.samples, "audio passes through unchanged")
        _ = h.outputEvents()
        try h.finish()
        let found = h.postedMessages.compactMap { message -> (String, Double, Double)? in
            if case .recognized(let text, let start, let end, let details) = message.event {
                #expect((0...1).contains(details.score))
                return (text, start.seconds, end.seconds)
            }
            return nil
        }
        #expect(found.map(\.0) == ["hello world", "what time is it"])
        guard found.count == 2 else { return }
        let secondStart = 1 + first.duration.secondsDouble + 1.5
        #expect(abs(found[0].1 - 1) < 0.35, "first starts near 1 s: \(found[0])")
        #expect(abs(found[0].2 - (1 + first.duration.secondsDouble)) < 0.6, "first ends near its end: \(found[0])")
        #expect(abs(found[1].1 - secondStart) < 0.35, "second starts near \(secondStart) s: \(found[1])")
    }

    @Test("the model loads once per process, not per graph")
    func modelLoadedOnce() throws {
        _ = try recognize("tts voice=kal16 text=\"one\" ! recognizer")
        let loaded = DecoderPool.shared.loadedCount
        #expect(loaded >= 1)
        for _ in 0..<3 { _ = try recognize("tts voice=kal16 text=\"two\" ! recognizer") }
        #expect(DecoderPool.shared.loadedCount == loaded)
    }

    @Test("a missing model file fails the graph at start, naming the file")
    func missingModel() throws {
        #expect {
            _ = try NodeHarness(pipeline: "recognizer dict=/nonexistent/words.dict", registry: registry,
                                inputs: [.mono16(16_000)])
        } throws: { error in
            "\(error)".contains("/nonexistent/words.dict")
        }
    }

    @Test("grammar=, phrases= and keyphrase= exclude each other; a missing grammar file is named")
    func searchParameters() throws {
        #expect {
            _ = try NodeHarness(pipeline: "recognizer phrases=\"yes|no\" keyphrase=\"hello\"", registry: registry,
                                inputs: [.mono16(16_000)])
        } throws: { error in
            "\(error)".contains("only one of")
        }
        #expect {
            _ = try NodeHarness(pipeline: "recognizer grammar=/nonexistent/menu.gram", registry: registry, inputs: [.mono16(8_000)])
        } throws: { error in
            "\(error)".contains("/nonexistent/menu.gram")
        }
    }

    @Test("silence and white noise recognize as nothing")
    func noSpeech() throws {
        let h = try NodeHarness(pipeline: "recognizer", registry: registry, inputs: [.mono16(8_000)])
        try h.push(.silence(duration: .seconds(1), sampleRate: 8_000)
            .appending(.noise(duration: .seconds(3), sampleRate: 8_000, level: -20, seed: 5)))
        _ = h.outputs
        _ = h.outputEvents()
        try h.finish()
        #expect(h.postedMessages.isEmpty)
    }
}
