@testable import Flite
import Foundation
import MediaCore
import MediaTesting
import Testing

@Suite("Text to speech")
struct TTSTests {
    let registry = try! NodeRegistry(plugins: [FlitePlugin.self])

    /// Runs `pipeline` (a tts source) on the virtual clock until it ends, returning its audio.
    func speak(_ pipeline: String, maxSeconds: Int = 20) throws -> (signal: Signal, harness: NodeHarness) {
        let h = try NodeHarness(pipeline: pipeline, registry: registry)
        var elapsed = 0
        while !h.endOfStream(), elapsed < maxSeconds * 50 {
            h.clock.advance(by: .milliseconds(20))
            elapsed += 1
        }
        let rate = h.negotiatedOutput?.clockRate ?? 0
        return (Signal(samples: h.outputSamples(), sampleRate: rate), h)
    }

    @Test("each voice speaks at its own rate, as loud as the flite command, then ends",
          arguments: [("kal", 8_000), ("kal16", 16_000), ("slt", 16_000), ("rms", 16_000), ("awb", 16_000)])
    func voices(voice: String, rate: Int) throws {
        let (signal, h) = try speak("tts voice=\(voice) text=\"hello world\"")
        #expect(signal.sampleRate == rate)
        #expect(h.endOfStream())
        let reference = try Speech.say("hello world", voice: voice)
        // Whole frames: at most one 20 ms frame of padding beyond the reference.
        let frame = rate / 50
        #expect(signal.samples.count >= reference.samples.count)
        #expect(signal.samples.count < reference.samples.count + frame)
        // Streaming synthesis makes exactly the flite command's waveform (the clustergen voices'
        // noise excitation is seeded per synthesis, so it repeats too).
        #expect(Array(signal.samples.prefix(reference.samples.count)) == reference.samples,
                "differs from the flite command")
        try h.finish()
    }

    @Test("text events spoken at run time follow one another, and the source stays open")
    func textEvents() throws {
        let h = try NodeHarness(pipeline: "tts name=say voice=kal", registry: registry)
        h.clock.advance(by: .milliseconds(200))
        let before = h.outputSamples()
        #expect(before.count == 1_600)
        #expect(before.allSatisfy { $0 == 0 }, "silence until there is text")
        try h.send(.text("one"), to: "say")
        try h.send(.text("two"), to: "say")
        h.clock.advance(by: .seconds(3))
        #expect(!h.endOfStream())
        let audio = Signal(samples: Array(h.outputSamples().dropFirst(before.count)), sampleRate: 8_000)
        let one = try Speech.say("one", voice: "kal"), two = try Speech.say("two", voice: "kal")
        #expect(Array(audio.samples.prefix(one.samples.count)) == one.samples)
        #expect(Array(audio.samples.dropFirst(one.samples.count).prefix(two.samples.count)) == two.samples)
        #expect(audio.samples.dropFirst(one.samples.count + two.samples.count).allSatisfy { $0 == 0 })
        try h.finish()
    }

    @Test("synthesis streams: audio arrives in many pieces, the first long before the end")
    func streaming() throws {
        let text = "This is a long announcement. Please listen carefully, because our menu options have changed. "
            + "Press one for sales, two for support, or stay on the line to speak to an operator."
        let buffer = SpeechBuffer()
        let start = ContinuousClock.now
        buffer.begin()
        FliteEngine.shared.speak(text, voice: "slt", sink: buffer)
        var first = [Int16](repeating: 0, count: 160)
        let got = buffer.read(into: &first, count: 160, wait: true)
        let firstAudio = ContinuousClock.now - start
        var rest = [Int16](repeating: 0, count: 16_000 * 60)
        var total = got
        while !buffer.isIdle || buffer.buffered > 0 {
            total += rest.withUnsafeMutableBufferPointer { buffer.read(into: $0.baseAddress!, count: $0.count, wait: true) }
        }
        let whole = ContinuousClock.now - start
        print("tts first audio after \(firstAudio), whole \(Double(total) / 16_000) s of speech made in \(whole)")
        #expect(got == 160)
        #expect(total > 16_000 * 8, "a long announcement")
        #expect(buffer.chunkCount > 10, "synthesis delivered \(buffer.chunkCount) pieces")
    }

    @Test("an unknown voice is refused with the list of voices")
    func unknownVoice() throws {
        #expect {
            _ = try NodeHarness(pipeline: "tts voice=bob text=hi", registry: registry)
        } throws: { error in
            "\(error)".contains("bob") && "\(error)".contains("kal16")
        }
    }
}
