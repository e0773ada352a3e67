import Generators
import MediaCore
import MediaTesting
import SpeexDSP
import Testing

@Suite("resample, preprocess, echo-canceller")
struct SpeexDSPTests {
    let registry = try! NodeRegistry(plugins: [SpeexDSPPlugin.self, GeneratorsPlugin.self])

    func resample(_ signal: Signal, to rate: Int, quality: Int = 4, frame: Duration = .milliseconds(20)) throws -> [Int16] {
        let h = try NodeHarness(pipeline: "resample rate=\(rate) quality=\(quality)", registry: registry,
                                inputs: [signal.format], period: frame)
        try h.push(signal)
        try h.push(event: .endOfStream)
        let out = h.outputSamples()
        try h.finish()
        return out
    }

    @Test("60 s at 44.1 kHz become exactly 480,000 samples at 8 kHz, and a 1 kHz tone stays 1 kHz")
    func exactLength() throws {
        let tone = Signal.sine(hz: 1000, duration: .seconds(60), sampleRate: 44_100)
        let out = try resample(tone, to: 8_000)
        #expect(out.count == 480_000)
        #expect(abs(AudioCheck.dominantFrequency(out, sampleRate: 8_000) - 1000) < 0.5)
        // Aligned in time: the resampled tone matches an ideal 8 kHz tone closely.
        let ideal = Signal.sine(hz: 1000, duration: .seconds(60), sampleRate: 8_000)
        #expect(AudioCheck.snr(reference: Array(ideal.samples[8_000..<400_000]), test: Array(out[8_000..<400_000]),
                               maxLag: 2) > 30)
    }

    @Test("exact lengths for other rate pairs", arguments: [(8_000, 44_100), (16_000, 48_000), (48_000, 8_000),
                                                             (44_100, 16_000), (11_025, 8_000), (8_000, 16_000)])
    func ratePairs(from: Int, to: Int) throws {
        let tone = Signal.sine(hz: 500, duration: .milliseconds(3_370), sampleRate: from)
        let out = try resample(tone, to: to)
        #expect(out.count == tone.samples.count * to / from)
        #expect(abs(AudioCheck.dominantFrequency(out, sampleRate: to) - 500) < 1)
    }

    @Test("the output rate follows the next node when not given")
    func fixation() throws {
        final class EightKilohertzSink: MediaNode {
            static let descriptor = NodeDescriptor(name: "narrow-sink", category: .sink, summary: "",
                                                   inputs: [PortSpec("sink", .pcm(rates: [8_000], channels: [1]))])
            init(parameters: NodeParameters) {}
        }
        var registry = self.registry
        try registry.register(EightKilohertzSink.self)
        var spec = GraphSpec()
        let source = spec.add(.init(type: "sine", parameters: ["rate": .int(48_000), "duration": .duration(.seconds(1))]))
        let resample = spec.add(.init(type: "resample"))
        let sink = spec.add(.init(type: "narrow-sink"))
        spec.link(source, to: resample)
        spec.link(resample, to: sink)
        let plan = try GraphBuilder(registry: registry).plan(spec)
        #expect(plan.nodes.first { $0.type == "resample" }?.outputFormats == [.mono16(8_000)])
    }

    @Test("noise suppression lowers steady noise by ≥ 10 dB")
    func denoise() throws {
        let noise = Signal.noise(duration: .seconds(4), sampleRate: 16_000, level: -30)
        let h = try NodeHarness(pipeline: "preprocess noise-suppress=-25dB", registry: registry, inputs: [noise.format])
        try h.push(noise)
        let out = h.outputSamples()
        try h.finish()
        let before = AudioCheck.rmsDBFS(noise.samples[32_000...]), after = AudioCheck.rmsDBFS(out[32_000...])
        #expect(before - after >= 10, "noise \(before) dBFS → \(after) dBFS")
    }

    @Test("AGC raises a quiet talker towards the target level")
    func agc() throws {
        let quiet = try Speech.say("one two three four five six seven eight nine ten", voice: "slt")
        let scaled = Signal(samples: quiet.samples.map { $0 / 16 }, sampleRate: quiet.sampleRate)
        let h = try NodeHarness(pipeline: "preprocess agc=true denoise=false", registry: registry, inputs: [scaled.format])
        try h.push(scaled)
        let out = h.outputSamples()
        try h.finish()
        #expect(AudioCheck.rmsDBFS(out) > AudioCheck.rmsDBFS(scaled.samples) + 6)
    }

    @Test("echo return loss enhancement ≥ 20 dB on a synthetic echo")
    func echo() throws {
        let far = Signal.noise(duration: .seconds(6), sampleRate: 8_000, level: -20, seed: 7)
        // The microphone hears the loudspeaker 12 ms later at half amplitude.
        let delay = 96
        let mic = Signal(samples: [Int16](repeating: 0, count: delay) + far.samples.dropLast(delay).map { $0 / 2 },
                         sampleRate: 8_000)
        var spec = GraphSpec()
        let ec = spec.add(.init(type: "echo-canceller"))
        _ = ec
        let h = try NodeHarness(pipeline: "echo-canceller", registry: registry, inputs: [mic.format, far.format])
        for (m, f) in zip(stride(from: 0, to: mic.samples.count, by: 160), stride(from: 0, to: far.samples.count, by: 160)) {
            try h.push(samples: Array(mic.samples[m..<min(m + 160, mic.samples.count)]), port: 0)
            try h.push(samples: Array(far.samples[f..<min(f + 160, far.samples.count)]), port: 1)
        }
        let out = h.outputSamples()
        try h.finish()
        let tail = 8_000 * 4
        let erle = AudioCheck.rmsDBFS(mic.samples[tail...]) - AudioCheck.rmsDBFS(out[tail...])
        #expect(erle >= 20, "ERLE \(erle) dB")
    }
}
