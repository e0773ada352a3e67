import Analysis
import MediaCore
import MediaTesting
import Testing

@Suite("Tone detection")
struct ToneDetectorTests {
    let registry = try! NodeRegistry(plugins: [AnalysisPlugin.self])

    /// The `tone` events `tone-detector <parameters>` posts for `signal`: (Hz, start s, lasted s).
    func tones(_ signal: Signal, _ parameters: String = "freq=1000") throws -> [(hz: Int, start: Double, lasted: Double)] {
        let h = try NodeHarness(pipeline: "tone-detector \(parameters)", registry: registry, inputs: [signal.format])
        try h.push(signal)
        let found = h.postedMessages.compactMap { message -> (Int, Double, Double)? in
            guard case .custom("tone", let fields) = message.event,
                  let hz = fields["frequency"].flatMap(Int.init), let start = fields["start"].flatMap(Double.init),
                  let lasted = fields["duration"].flatMap(Double.init) else { return nil }
            return (hz, start, lasted)
        }
        #expect(h.outputSamples() == signal.samples, "audio passes through untouched")
        _ = h.outputEvents()
        try h.finish()
        return found
    }

    @Test("a 1 kHz tone after half a second of silence is reported once, when it has lasted 200 ms", arguments: [8_000, 16_000])
    func oneTone(rate: Int) throws {
        let signal = Signal.silence(duration: .milliseconds(500), sampleRate: rate)
            .appending(.sine(hz: 1_000, duration: .seconds(2), sampleRate: rate, level: -20))
            .appending(.silence(duration: .milliseconds(500), sampleRate: rate))
        let found = try tones(signal)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hz == 1_000)
        #expect(abs((found.first?.start ?? 0) - 0.5) <= 0.02, "\(found)")
        #expect(abs((found.first?.lasted ?? 0) - 0.2) <= 0.02, "\(found)")
    }

    @Test("another frequency, a DTMF key holding the frequency, speech-like noise and a too-quiet tone are not the tone")
    func notTheTone() throws {
        #expect(try tones(.sine(hz: 1_200, duration: .seconds(1), sampleRate: 8_000, level: -10)).isEmpty)
        // Key 5 is 770 Hz + 1336 Hz: each tone carries half the energy.
        #expect(try tones(.dtmf("5", duration: .seconds(1), sampleRate: 8_000), "freq=770").isEmpty)
        #expect(try tones(.noise(duration: .seconds(2), sampleRate: 8_000, level: -10, seed: 4)).isEmpty)
        #expect(try tones(.sine(hz: 1_000, duration: .seconds(1), sampleRate: 8_000, level: -50)).isEmpty)
        #expect(try tones(.sine(hz: 1_000, duration: .seconds(1), sampleRate: 8_000, level: -50), "freq=1000 min-level=-55dB").count == 1)
    }

    @Test("a tone shorter than min-duration is not reported; a 20 ms dropout does not split a tone; a real pause does")
    func durations() throws {
        let rate = 8_000
        #expect(try tones(.sine(hz: 1_000, duration: .milliseconds(150), sampleRate: rate, level: -12)).isEmpty)
        #expect(try tones(.sine(hz: 1_000, duration: .milliseconds(150), sampleRate: rate, level: -12), "freq=1000 min-duration=100ms").count == 1)
        let tone = Signal.sine(hz: 1_000, duration: .milliseconds(600), sampleRate: rate, level: -12)
        let dropout = tone.appending(.silence(duration: .milliseconds(20), sampleRate: rate)).appending(tone)
        #expect(try tones(dropout).count == 1)
        let twice = tone.appending(.silence(duration: .milliseconds(300), sampleRate: rate)).appending(tone)
        let found = try tones(twice)
        #expect(found.count == 2, "\(found)")
        #expect(abs((found.last?.start ?? 0) - 0.9) <= 0.02, "\(found)")
    }

    @Test("a frequency above the stream's Nyquist limit is refused when the graph starts, naming both")
    func aboveNyquist() throws {
        let signal = Signal.sine(hz: 1_000, duration: .milliseconds(100), sampleRate: 8_000)
        #expect {
            let h = try NodeHarness(pipeline: "tone-detector freq=5000", registry: registry, inputs: [signal.format])
            try h.push(signal)
        } throws: { error in
            "\(error)".contains("freq=5000") && "\(error)".contains("4000 Hz")
        }
    }
}
