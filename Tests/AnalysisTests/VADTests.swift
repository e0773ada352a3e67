import Analysis
import MediaCore
import MediaTesting
import Testing

@Suite("Voice activity detection")
struct VADTests {
    let registry = try! NodeRegistry(plugins: [AnalysisPlugin.self])

    func events(_ signal: Signal) throws -> [(active: Bool, seconds: Double)] {
        let h = try NodeHarness(pipeline: "vad", registry: registry, inputs: [signal.format])
        try h.push(signal)
        let result = h.postedMessages.compactMap { message -> (Bool, Double)? in
            if case .speech(let active, let at) = message.event { return (active, at.seconds) }
            return nil
        }
        _ = h.outputs
        _ = h.outputEvents()
        try h.finish()
        return result
    }

    @Test("white noise is not speech, at any level, starting abruptly or not", arguments: [-40.0, -25, -12])
    func whiteNoise(level: Double) throws {
        let noise = Signal.silence(duration: .seconds(1), sampleRate: 8_000)
            .appending(.noise(duration: .seconds(5), sampleRate: 8_000, level: level, seed: 3))
        #expect(try events(noise).isEmpty)
    }

    @Test("silence is not speech")
    func silence() throws {
        #expect(try events(.silence(duration: .seconds(3), sampleRate: 16_000)).isEmpty)
    }

    @Test("a spoken sentence starts and stops once, at the right times", arguments: ["rms", "slt", "kal"])
    func sentence(voice: String) throws {
        let spoken = try Speech.say("please call me back tomorrow", voice: voice)
        let rate = spoken.sampleRate
        let padded = Signal.silence(duration: .seconds(1), sampleRate: rate).appending(spoken)
            .appending(.silence(duration: .seconds(1), sampleRate: rate))
        let found = try events(padded)
        #expect(found.map(\.active) == [true, false])
        #expect((0.9...1.4).contains(found.first?.seconds ?? 0), "starts near 1 s: \(found)")
        let spokenEnd = 1 + spoken.duration.secondsDouble
        #expect(abs((found.last?.seconds ?? 0) - spokenEnd) < 0.5, "stops near \(spokenEnd) s: \(found)")
    }

    @Test("speech over steady background noise is still found, and the noise alone is not")
    func speechInNoise() throws {
        let spoken = try Speech.say("hello world", voice: "rms")
        let noise = Signal.noise(duration: .seconds(5), sampleRate: spoken.sampleRate, level: -40, seed: 9)
        var mixed = noise.samples
        for (i, s) in spoken.samples.enumerated() { mixed[16_000 * 2 + i] = Int16(clamping: Int32(mixed[32_000 + i]) + Int32(s)) }
        let found = try events(Signal(samples: mixed, sampleRate: spoken.sampleRate))
        #expect(found.map(\.active) == [true, false], "\(found)")
        #expect((1.8...2.4).contains(found.first?.seconds ?? 0))
    }
}

extension Duration {
    var secondsDouble: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
