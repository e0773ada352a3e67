import Generators
import MediaCore
import MediaTesting
import Testing

@Suite("Generators")
struct GeneratorTests {
    func sine(_ values: [String: ParameterValue]) throws -> SineSource {
        try SineSource(parameters: NodeParameters(for: SineSource.descriptor, values))
    }

    @Test("sine: frequency, level and exact length", arguments: [(8000, 1000.0), (16000, 440.0), (44100, 3000.0)])
    func sineTone(rate: Int, hz: Double) throws {
        let node = try sine(["rate": .int(rate), "freq": .frequency(hz), "duration": .duration(.milliseconds(1500))])
        let h = try NodeHarness(node)
        #expect(h.negotiatedOutput == .mono16(rate))
        h.clock.advance(by: .seconds(2))
        let samples = h.outputSamples()
        #expect(samples.count == rate * 3 / 2)
        #expect(abs(AudioCheck.dominantFrequency(samples, sampleRate: rate) - hz) < 0.5)
        #expect(abs(AudioCheck.peak(samples) - Int(32767 * 0.696627)) <= 2, "0 dBm0 (-3.14 dBFS) peak by default")
        // The oscillator matches an ideal sine closely over the whole run.
        let ideal = Signal.sine(hz: hz, duration: .milliseconds(1500), sampleRate: rate, level: -3.14)
        #expect(AudioCheck.snr(reference: ideal.samples, test: samples) > 80)
        #expect(h.endOfStream())
        try h.finish()
    }

    @Test("sine above the Nyquist limit is refused with the reason")
    func nyquist() {
        #expect {
            try sine(["rate": .int(8000), "freq": .frequency(5000)])
        } throws: { error in
            (error as? NodeError)?.message.contains("Nyquist") == true
        }
    }

    @Test("silence is zero and flagged, with the requested channels")
    func silence() throws {
        let node = try SilenceSource(parameters: NodeParameters(for: SilenceSource.descriptor,
                                                                ["channels": .int(2), "duration": .duration(.milliseconds(40))]))
        let h = try NodeHarness(node)
        h.clock.advance(by: .milliseconds(100))
        let frames = h.outputs
        #expect(frames.count == 2)
        #expect(frames.allSatisfy { $0.flags.contains(.silence) && $0.samples.allSatisfy { $0 == 0 } })
        #expect(frames[0].samples.count == 320, "160 stereo frames")
        try h.finish()
    }

    @Test("an open-ended source keeps producing one frame per tick")
    func openEnded() throws {
        let h = try NodeHarness(try sine([:]))
        h.clock.advance(by: .milliseconds(100))
        #expect(h.outputs.count == 5)
        #expect(!h.endOfStream())
        try h.finish()
    }
}
