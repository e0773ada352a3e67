import BasicElements
import Generators
import MediaCore
import MediaTesting
import Testing

@Suite("Tee, mixer, gain, level meter, null sink")
struct BasicElementsTests {
    let registry = try! NodeRegistry(plugins: [BasicElementsPlugin.self, GeneratorsPlugin.self])

    func node<T: MediaNode>(_ type: T.Type, _ values: [String: ParameterValue] = [:]) throws -> T {
        try T(parameters: NodeParameters(for: T.descriptor, values))
    }

    @Test("tee gives every branch the same frames and events")
    func tee() throws {
        let h = try NodeHarness(try node(Tee.self), inputs: [.mono16(8000)], outputs: 3)
        try h.push(.sine(hz: 440, duration: .milliseconds(40), sampleRate: 8000))
        try h.push(event: .text("hello"))
        for port in 0..<3 {
            #expect(h.outputs(port: port).count == 2)
            #expect(h.outputEvents(port: port) == [.text("hello")])
        }
        #expect(h.outputSamples(port: 0) == h.outputSamples(port: 2))
        try h.finish()
        #expect(h.endOfStream(port: 1))
    }

    @Test("gain: -6 dB halves the amplitude, +24 dB saturates instead of wrapping")
    func gain() throws {
        let tone = Signal.sine(hz: 500, duration: .milliseconds(100), sampleRate: 8000, level: -6)
        let half = try NodeHarness(try node(Gain.self, ["gain": .decibels(-6.0206)]), inputs: [.mono16(8000)])
        try half.push(tone)
        let out = half.outputSamples()
        #expect(zip(tone.samples, out).allSatisfy { abs(Int($0) / 2 - Int($1)) <= 1 })
        try half.finish()
        let loud = try NodeHarness(try node(Gain.self, ["gain": .decibels(24)]), inputs: [.mono16(8000)])
        try loud.push(tone)
        let clipped = loud.outputSamples()
        #expect(clipped.max() == 32767 && clipped.min() == -32768)
        #expect(zip(tone.samples, clipped).allSatisfy { ($0 >= 0) == ($1 >= 0) || $0 == 0 }, "no wrap-around")
        try loud.finish()
    }

    @Test("mixer adds two tones and keeps going until the longer input ends")
    func mixer() throws {
        let plan = try PipelineTestSupport.run("""
        sine freq=440 rate=8000 duration=1s ! m.
        sine freq=1000 rate=8000 duration=500ms ! m.
        mixer name=m ! @capture
        """, registry: registry)
        let samples = plan.capture.samples
        #expect(samples.count == 8000)
        let first = Array(samples[0..<4000]), second = Array(samples[4000..<8000])
        let p1000 = AudioCheck.goertzel(first, sampleRate: 8000, frequency: 1000)
        let p440 = AudioCheck.goertzel(first, sampleRate: 8000, frequency: 440)
        #expect(p1000 > 0.01 && p440 > 0.01, "both tones in the first half")
        #expect(AudioCheck.goertzel(second, sampleRate: 8000, frequency: 1000) < p1000 / 1000, "only 440 Hz after 0.5 s")
        #expect(plan.capture.ended)
    }

    @Test("level meter posts RMS and peak per interval and passes audio through")
    func levelMeter() throws {
        let h = try NodeHarness(try node(LevelMeter.self, ["interval": .duration(.milliseconds(100))]),
                                inputs: [.mono16(8000)])
        try h.push(.sine(hz: 1000, duration: .milliseconds(300), sampleRate: 8000, level: -6))
        let levels = h.postedMessages.compactMap { message -> (Double, Double)? in
            if case .level(let rms, let peak, _) = message.event { return (rms, peak) }
            return nil
        }
        #expect(levels.count == 3)
        for (rms, peak) in levels {
            #expect(abs(rms - -9.03) < 0.1)
            #expect(abs(peak - -6.02) < 0.1)
        }
        #expect(h.outputs.count == 15)
        try h.finish()
    }

    @Test("null sink counts media time for the summary")
    func nullSink() throws {
        let sink = try node(NullSink.self)
        let h = try NodeHarness(sink, inputs: [.mono16(8000)])
        try h.push(.silence(duration: .seconds(1), sampleRate: 8000))
        try h.finish()
        #expect(sink.summary == "received 1.000 s of PCM 8000 Hz mono s16 in 50 frames")
    }
}
