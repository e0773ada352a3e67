import MediaCore
import MediaTesting
import Speex
import SpeexDSP
import Testing

@Suite("Speex encoder and decoder")
struct SpeexTests {
    let registry = try! NodeRegistry(plugins: [SpeexPlugin.self, SpeexDSPPlugin.self])

    /// Speech at `rate`: flite's 16 kHz voice, resampled when needed.
    func speech(rate: Int) throws -> Signal {
        let spoken = try Speech.say("one two three four five, testing the speech codec", voice: "rms")
        guard rate != spoken.sampleRate else { return spoken }
        let h = try NodeHarness(pipeline: "resample rate=\(rate) quality=10", registry: registry, inputs: [spoken.format])
        try h.push(spoken)
        try h.push(event: .endOfStream)
        let out = h.outputSamples()
        try h.finish()
        return Signal(samples: out, sampleRate: rate)
    }

    /// Speech through encoder and decoder, aligned to the codec's look-ahead delay.
    func roundTrip(_ input: Signal, _ pipeline: String) throws -> (snr: Double, lag: Int, count: Int) {
        let rate = input.sampleRate
        let h = try NodeHarness(pipeline: pipeline, registry: registry, inputs: [input.format])
        #expect(h.negotiatedOutput == .mono16(rate))
        try h.push(input)
        try h.push(event: .endOfStream)
        let output = h.outputSamples()
        try h.finish()
        var best = (lag: 0, snr: -Double.infinity)
        for lag in 0...(rate / 40) {
            let n = min(input.samples.count, output.count - lag)
            let snr = AudioCheck.segmentalSNR(reference: Array(input.samples[0..<n]), test: Array(output[lag..<(lag + n)]),
                                              segment: rate / 50)
            if snr > best.snr { best = (lag, snr) }
        }
        return (best.snr, best.lag, output.count)
    }

    /// Segmental SNR is a waveform measure. Speex's high-pass filters (on by default, in the
    /// encoder and the decoder) shift the phase of the low frequencies, which a waveform measure
    /// counts as error although nothing audible changes: with them on, speech measures 1–6 dB;
    /// with them off, the codec itself is measured.
    @Test("speech survives the round trip with ≥ 10 dB segmental SNR", arguments: ["nb", "wb", "uwb"])
    func roundTripSNR(mode: String) throws {
        let rate = ["nb": 8_000, "wb": 16_000, "uwb": 32_000][mode]!
        let input = try speech(rate: rate)
        let result = try roundTrip(input, "speex-encoder mode=\(mode) high-pass=false ! speex-decoder high-pass=false enhance=false")
        #expect(result.snr >= 10, "segmental SNR \(result.snr) dB (\(mode), lag \(result.lag) samples)")
        #expect(result.lag == ["nb": 80, "wb": 223, "uwb": 223][mode] || result.lag < rate / 40, "the codec's look-ahead delay")
        #expect(abs(result.count - input.samples.count) < rate / 50, "a partial last frame is padded, nothing more")
    }

    @Test("with the default filters the output is the same speech at the same level")
    func defaults() throws {
        let input = try speech(rate: 8_000)
        let h = try NodeHarness(pipeline: "speex-encoder ! speex-decoder", registry: registry, inputs: [input.format])
        try h.push(input)
        let output = h.outputSamples()
        try h.finish()
        #expect(abs(AudioCheck.rmsDBFS(output) - AudioCheck.rmsDBFS(input.samples)) < 2)
    }

    @Test("lost frames are concealed: the output timeline has no gaps")
    func concealment() throws {
        let input = try speech(rate: 8_000)
        let encoder = try NodeHarness(pipeline: "speex-encoder", registry: registry, inputs: [input.format])
        try encoder.push(input)
        let packets = encoder.outputs
        try encoder.finish()
        let decoder = try NodeHarness(pipeline: "speex-decoder", registry: registry,
                                      inputs: [.encoded(codec: .speex, clockRate: 8_000, channels: 1)])
        for (i, packet) in packets.enumerated() {
            if i % 7 == 3 || (20...24).contains(i) {
                try decoder.push(bytes: [], sampleCount: 160, flags: .missing)  // lost in transit
            } else {
                try decoder.push(bytes: packet.bytes, sampleCount: packet.sampleCount)
            }
        }
        let frames = decoder.outputs
        try decoder.finish()
        #expect(frames.count == packets.count)
        #expect(frames.allSatisfy { $0.sampleCount == 160 })
        for (a, b) in zip(frames, frames.dropFirst()) { #expect(b.timestamp.sample == a.timestamp.sample + 160) }
        #expect(frames.filter { $0.flags.contains(.concealed) }.count == packets.indices.filter { $0 % 7 == 3 || (20...24).contains($0) }.count)
        #expect(frames.contains { $0.flags.contains(.concealed) && $0.samples.contains { $0 != 0 } }, "PLC synthesizes, not silence")
    }

    @Test("several frames per packet, and the formats each mode negotiates")
    func framesPerPacket() throws {
        let h = try NodeHarness(pipeline: "speex-encoder mode=wb frames-per-packet=3", registry: registry, inputs: [.mono16(16_000)])
        #expect(h.negotiatedOutput == .encoded(codec: .speex, clockRate: 16_000, channels: 1))
        try h.push(.sine(hz: 440, duration: .milliseconds(120), sampleRate: 16_000))
        let packets = h.outputs
        #expect(packets.map(\.sampleCount) == [960, 960])
        #expect(packets.map(\.timestamp.sample) == [0, 960])
        try h.finish()
        let decode = try NodeHarness(pipeline: "speex-decoder", registry: registry,
                                     inputs: [.encoded(codec: .speex, clockRate: 16_000, channels: 1)])
        try decode.push(bytes: packets[0].bytes, sampleCount: 960)
        #expect(decode.outputs.first?.sampleCount == 960, "all three frames decoded from one packet")
        try decode.finish()
    }

    @Test("mode=wb refuses 8 kHz input at build time")
    func modeMismatch() {
        #expect(throws: (any Error).self) {
            try NodeHarness(pipeline: "speex-encoder mode=wb", registry: registry, inputs: [.mono16(8_000)])
        }
    }
}
