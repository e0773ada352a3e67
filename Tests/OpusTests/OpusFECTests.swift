import MediaCore
import MediaTesting
import Opus
import Testing

/// In-band FEC through a lossy network: sender, seeded loss, receiver, jitter buffer, decoder.
@Suite("Opus in-band FEC")
struct OpusFECTests {
    static let text = "please call me back tomorrow, the meeting starts at nine, one two three four five"

    /// Speech through `encoder ! rtp-sender ! impair loss ! rtp-receiver ! jitter-buffer ! decoder`.
    func network(_ input: Signal, encoder: String, decoder: String, seed: Int) throws -> (snr: Double, lost: Int, recovered: Int) {
        let pipeline = "\(encoder) ! rtp-sender ! impair loss=5% seed=\(seed) ! rtp-receiver ! jitter-buffer delay=60ms adaptive=false"
            + " ! \(decoder)"
        let h = try NodeHarness(pipeline: pipeline, registry: registry, inputs: [input.format])
        try h.push(input)
        try h.push(event: .endOfStream)
        h.clock.advance(by: .seconds(2))
        let output = h.outputSamples()
        let lost = h.outputs.filter { $0.flags.contains(.concealed) }.count
        let recovered = try #require(h.graph.allNodes.compactMap { $0 as? OpusDecoder }.first).counts.recovered
        _ = h.outputEvents()
        try h.finish()
        let aligned = alignedSNR(input.samples, output, rate: input.sampleRate, maxLag: input.sampleRate / 10)
        return (aligned.snr, lost, recovered)
    }

    @Test("at 5% seeded loss, the decoder using the next packet's FEC beats concealment alone", arguments: [1, 2, 3])
    func decoderFEC(seed: Int) throws {
        let input = try speech(Self.text, rate: 16_000)
        let encoder = "opus-encoder fec=true expected-loss=10%"
        let on = try network(input, encoder: encoder, decoder: "opus-decoder rate=16000 fec=true", seed: seed)
        let off = try network(input, encoder: encoder, decoder: "opus-decoder rate=16000 fec=false", seed: seed)
        #expect(on.lost > 0 && on.lost == off.lost, "the same packets were lost in both runs")
        #expect(on.recovered > 0 && off.recovered == 0, "recovered from FEC: \(on.recovered) with, \(off.recovered) without")
        #expect(on.snr > off.snr, "FEC on \(on.snr) dB, FEC off \(off.snr) dB")
    }

    @Test("at 5% seeded loss, FEC on at both ends beats FEC off at both ends")
    func endToEndFEC() throws {
        let input = try speech(Self.text, rate: 16_000)
        let on = try network(input, encoder: "opus-encoder fec=true expected-loss=10%", decoder: "opus-decoder rate=16000 fec=true", seed: 4)
        let off = try network(input, encoder: "opus-encoder fec=false", decoder: "opus-decoder rate=16000 fec=false", seed: 4)
        #expect(on.snr > off.snr, "FEC on \(on.snr) dB, FEC off \(off.snr) dB")
    }
}
