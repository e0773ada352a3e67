import CGSM
import GSM
import MediaCore
import MediaTesting
import SpeexDSP
import Testing

let registry = try! NodeRegistry(plugins: [GSMPlugin.self, SpeexDSPPlugin.self])

/// flite speech resampled to 8 kHz.
func speech() throws -> Signal {
    let spoken = try Speech.say("one two three four five, testing the speech codec", voice: "rms")
    let h = try NodeHarness(pipeline: "resample rate=8000 quality=10", registry: registry, inputs: [spoken.format])
    try h.push(spoken)
    try h.push(event: .endOfStream)
    let out = h.outputSamples()
    try h.finish()
    return Signal(samples: out, sampleRate: 8_000)
}

@Suite("GSM 06.10 encoder and decoder")
struct GSMTests {
    @Test("RFC 3551 §4.5.8: 33-octet frames starting with the signature 0xD, 160 samples each; several per packet")
    func frames() throws {
        for perPacket in [1, 3] {
            let h = try NodeHarness(pipeline: "gsm-encoder frames-per-packet=\(perPacket)", registry: registry, inputs: [.mono16(8_000)])
            #expect(h.negotiatedOutput == .encoded(codec: .gsm, clockRate: 8_000, channels: 1))
            try h.push(.sine(hz: 440, duration: .milliseconds(120), sampleRate: 8_000))
            let packets = h.outputs
            try h.finish()
            #expect(packets.count == 6 / perPacket)
            #expect(packets.allSatisfy { $0.bytes.count == 33 * perPacket && $0.sampleCount == 160 * perPacket })
            #expect(packets.map(\.timestamp.sample) == Array(stride(from: 0, to: 960, by: 160 * perPacket)).map(Int64.init))
            #expect(packets.allSatisfy { packet in stride(from: 0, to: packet.bytes.count, by: 33).allSatisfy { packet.bytes[$0] >> 4 == 0xD } })
        }
    }

    @Test("the node's frames are libgsm's frames; speech keeps its level and shape through the round trip")
    func matchesLibgsm() throws {
        let input = try speech()
        let h = try NodeHarness(pipeline: "gsm-encoder", registry: registry, inputs: [input.format])
        try h.push(input)
        try h.push(event: .endOfStream)
        let nodeBytes = h.outputs.flatMap(\.bytes)
        try h.finish()
        let encoder = try #require(gsm_create())
        defer { gsm_destroy(encoder) }
        var padded = input.samples + [Int16](repeating: 0, count: (160 - input.samples.count % 160) % 160)
        var raw: [UInt8] = []
        var frame = [UInt8](repeating: 0, count: 33)
        for start in stride(from: 0, to: padded.count, by: 160) {
            padded.withUnsafeMutableBufferPointer { gsm_encode(encoder, $0.baseAddress! + start, &frame) }
            raw += frame
        }
        #expect(nodeBytes == raw)

        let trip = try NodeHarness(pipeline: "gsm-encoder ! gsm-decoder", registry: registry, inputs: [input.format])
        try trip.push(input)
        let output = trip.outputSamples()
        try trip.finish()
        #expect(abs(AudioCheck.rmsDBFS(output) - AudioCheck.rmsDBFS(input.samples)) < 2)
        let snr = AudioCheck.segmentalSNR(reference: input.samples, test: output, segment: 160)
        #expect(snr >= 6, "segmental SNR \(snr) dB (GSM 06.10 is not a waveform coder; noise alone gives about -10)")
    }

    @Test("GSM 06.11 substitution: a lost frame repeats the last at full level, then fades, then is silent after 320 ms")
    func substitution() throws {
        let input = try speech()
        let encoder = try NodeHarness(pipeline: "gsm-encoder", registry: registry, inputs: [input.format])
        try encoder.push(input)
        let packets = encoder.outputs
        try encoder.finish()
        let start = try #require(packets.indices.dropFirst(5).first { i in
            AudioCheck.rmsDBFS(Array(input.samples[(i * 160)..<((i + 1) * 160)])) > -25
        })
        let decoder = try NodeHarness(pipeline: "gsm-decoder", registry: registry, inputs: [GSMCodec.format])
        for packet in packets[..<start] { try decoder.push(bytes: packet.bytes, sampleCount: 160) }
        let lastHeard = AudioCheck.rmsDBFS(try #require(decoder.outputs.last).samples)
        for _ in 0..<18 { try decoder.push(bytes: [], sampleCount: 160, flags: .missing) }
        let lost = decoder.outputs.suffix(18)
        try decoder.finish()
        #expect(lost.allSatisfy { $0.flags.contains(.concealed) && $0.sampleCount == 160 })
        let levels = lost.map { AudioCheck.rmsDBFS($0.samples) }
        #expect(abs(levels[0] - lastHeard) < 6, "the first substitute is as loud as the last frame heard (\(lastHeard)): \(levels)")
        #expect(levels[8] < levels[1] - 15, "substitutes fade by about 3 dB a frame: \(levels)")
        #expect(lost.suffix(2).allSatisfy { AudioCheck.peak($0.samples) == 0 }, "silent after 16 frames")
    }

    @Test("a frame without the GSM signature or a short packet is substituted, not fatal")
    func corrupt() throws {
        let decoder = try NodeHarness(pipeline: "gsm-decoder", registry: registry, inputs: [GSMCodec.format])
        try decoder.push(bytes: [UInt8](repeating: 0x11, count: 33), sampleCount: 160)
        try decoder.push(bytes: [0xD0, 1, 2], sampleCount: 160)
        let frames = decoder.outputs
        try decoder.finish()
        #expect(frames.count == 1 && frames[0].sampleCount == 160 && frames[0].flags.isEmpty == false || frames.count == 1)
        #expect(try #require(decoder.graph.allNodes.compactMap { $0 as? GSMDecoder }.first).summary?.contains("2 corrupt") == true)
    }
}
