import CG722
import G722
import MediaCore
import MediaTesting
import RTP
import RTPNodes
import SpeexDSP
import Testing

let registry = try! NodeRegistry(plugins: [G722Plugin.self, SpeexDSPPlugin.self, RTPNodesPlugin.self])

/// flite speech at 16 kHz.
func speech() throws -> Signal { try Speech.say("one two three four five, testing the speech codec", voice: "rms") }

@Suite("G.722 encoder and decoder")
struct G722Tests {
    @Test("RFC 3551 §4.5.2: 16 kHz audio, RTP clock 8000 — a 20 ms packet is 160 octets and steps the timestamp by 160")
    func clockRateQuirk() throws {
        let h = try NodeHarness(pipeline: "g722-encoder ! rtp-sender timestamp=1000 sequence=0", registry: registry,
                                inputs: [.mono16(16_000)])
        try h.push(.sine(hz: 1_000, duration: .milliseconds(100), sampleRate: 16_000))
        let packets = h.outputs
        try h.finish()
        #expect(packets.count == 5)
        let headers = try packets.map { packet in try packet.bytes.withUnsafeBytes { try RTPHeader(parsing: $0) } }
        #expect(headers.map(\.timestamp) == [1_000, 1_160, 1_320, 1_480, 1_640], "8 kHz ticks, not 16 kHz samples")
        #expect(headers.allSatisfy { $0.payloadType == 9 })
        #expect(packets.allSatisfy { $0.bytes.count == 12 + 160 && $0.sampleCount == 160 })
    }

    @Test("the encoder's frames are on the 8 kHz clock; the decoder turns them back into 16 kHz samples and times")
    func timestampsBothWays() throws {
        let encode = try NodeHarness(pipeline: "g722-encoder", registry: registry, inputs: [.mono16(16_000)])
        #expect(encode.negotiatedOutput == .encoded(codec: .g722, clockRate: 8_000, channels: 1))
        try encode.push(.sine(hz: 1_000, duration: .milliseconds(60), sampleRate: 16_000))
        let packets = encode.outputs
        try encode.finish()
        #expect(packets.map(\.timestamp) == [0, 160, 320].map { MediaTime(sample: $0, clockRate: 8_000) })
        let decode = try NodeHarness(pipeline: "g722-decoder", registry: registry, inputs: [G722Codec.format])
        #expect(decode.negotiatedOutput == .mono16(16_000))
        for packet in packets { try decode.push(bytes: packet.bytes, sampleCount: packet.sampleCount) }
        let frames = decode.outputs
        try decode.finish()
        #expect(frames.map(\.sampleCount) == [320, 320, 320])
        #expect(frames.map(\.timestamp) == [0, 320, 640].map { MediaTime(sample: $0, clockRate: 16_000) })
    }

    @Test("through RTP and the jitter buffer nothing is concealed and the output lasts as long as the input")
    func throughRTP() throws {
        let input = try speech()
        let h = try NodeHarness(pipeline: "g722-encoder ! rtp-sender ! rtp-receiver ! jitter-buffer ! g722-decoder", registry: registry,
                                inputs: [input.format])
        try h.push(input)
        try h.push(event: .endOfStream)
        h.clock.advance(by: .seconds(1))
        let frames = h.outputs
        try h.finish()
        #expect(!frames.contains { $0.flags.contains(.concealed) }, "a wrong clock makes the jitter buffer conceal")
        let samples = frames.reduce(0) { $0 + $1.sampleCount }
        #expect(abs(samples - input.samples.count) < 320)
    }

    @Test("the node's bytes are spandsp's bytes, and speech comes back with ≥ 15 dB segmental SNR")
    func matchesSpandsp() throws {
        let input = try speech()
        let h = try NodeHarness(pipeline: "g722-encoder", registry: registry, inputs: [input.format])
        try h.push(input)
        try h.push(event: .endOfStream)
        let nodeBytes = h.outputs.flatMap(\.bytes)
        try h.finish()
        let encoder = try #require(g722_encode_init(nil, 64_000, 0))
        defer { g722_encode_free(encoder) }
        var padded = input.samples
        padded += [Int16](repeating: 0, count: (320 - padded.count % 320) % 320)
        var raw = [UInt8](repeating: 0, count: padded.count / 2)
        let written = g722_encode(encoder, &raw, padded, Int32(padded.count))
        #expect(Int(written) == raw.count)
        #expect(nodeBytes == raw)

        let decode = try NodeHarness(pipeline: "g722-encoder ! g722-decoder", registry: registry, inputs: [input.format])
        try decode.push(input)
        let output = decode.outputSamples()
        try decode.finish()
        var best = -Double.infinity
        for lag in 0...64 {
            let n = min(input.samples.count, output.count - lag)
            best = max(best, AudioCheck.segmentalSNR(reference: Array(input.samples[0..<n]), test: Array(output[lag..<(lag + n)]),
                                                     segment: 320))
        }
        #expect(best >= 15, "segmental SNR \(best) dB")
    }

    @Test("lost packets are concealed by pitch repetition: no gaps, not silent at first, silent in a long loss")
    func concealment() throws {
        let input = try speech()
        let encoder = try NodeHarness(pipeline: "g722-encoder", registry: registry, inputs: [input.format])
        try encoder.push(input)
        let packets = encoder.outputs
        try encoder.finish()
        let decoder = try NodeHarness(pipeline: "g722-decoder", registry: registry, inputs: [G722Codec.format])
        let speaking = packets.indices.filter { AudioCheck.rmsDBFS(Array(input.samples[($0 * 320)..<min(($0 + 1) * 320, input.samples.count)])) > -30 }
        let short = try #require(speaking.dropFirst(5).first), long = short + 10
        for (i, packet) in packets.enumerated() {
            if i == short || (long..<(long + 6)).contains(i) {
                try decoder.push(bytes: [], sampleCount: 160, flags: .missing)
            } else {
                try decoder.push(bytes: packet.bytes, sampleCount: packet.sampleCount)
            }
        }
        let frames = decoder.outputs
        try decoder.finish()
        #expect(frames.count == packets.count && frames.allSatisfy { $0.sampleCount == 320 })
        #expect(frames.filter { $0.flags.contains(.concealed) }.count == 7)
        #expect(AudioCheck.rmsDBFS(frames[short].samples) > -40, "a short loss sounds like the speech around it")
        #expect(AudioCheck.peak(frames[long + 5].samples) == 0, "after 60 ms of loss the repetition has faded out")
    }
}
