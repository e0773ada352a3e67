import MediaCore
import MediaTesting
import Opus
import RTPNodes
import SpeexDSP
import Testing

let registry = try! NodeRegistry(plugins: [OpusPlugin.self, SpeexDSPPlugin.self, RTPNodesPlugin.self])

/// Speech at `rate`: a flite voice (16 kHz), resampled when needed.
func speech(_ text: String = "one two three four five, testing the speech codec", rate: Int) throws -> Signal {
    let spoken = try Speech.say(text, voice: "rms")
    guard rate != spoken.sampleRate else { return spoken }
    let h = try NodeHarness(pipeline: "resample rate=\(rate) quality=10", registry: registry, inputs: [spoken.format])
    try h.push(spoken)
    try h.push(event: .endOfStream)
    let out = h.outputSamples()
    try h.finish()
    return Signal(samples: out, sampleRate: rate)
}

/// The best segmental SNR of `output` against `input` over lags 0…`maxLag` (codecs and jitter
/// buffers delay their output).
func alignedSNR(_ input: [Int16], _ output: [Int16], rate: Int, maxLag: Int) -> (snr: Double, lag: Int) {
    var best = (snr: -Double.infinity, lag: 0)
    for lag in 0...maxLag where output.count > lag {
        let n = min(input.count, output.count - lag)
        let snr = AudioCheck.segmentalSNR(reference: Array(input[0..<n]), test: Array(output[lag..<(lag + n)]), segment: rate / 50)
        if snr > best.snr { best = (snr, lag) }
    }
    return best
}

@Suite("Opus encoder and decoder")
struct OpusTests {
    @Test("formats: any Opus rate in, opus/48000/2 out, 20 ms packets stepping 960 ticks of the 48 kHz RTP clock",
          arguments: [8_000, 12_000, 16_000, 24_000, 48_000])
    func formats(rate: Int) throws {
        let h = try NodeHarness(pipeline: "opus-encoder", registry: registry, inputs: [.mono16(rate)])
        #expect(h.negotiatedOutput == .encoded(codec: .opus, clockRate: 48_000, channels: 2))
        try h.push(.sine(hz: 440, duration: .milliseconds(100), sampleRate: rate))
        let packets = h.outputs
        #expect(packets.map(\.timestamp.sample) == [0, 960, 1_920, 2_880, 3_840])
        #expect(packets.allSatisfy { $0.sampleCount == 960 && $0.timestamp.clockRate == 48_000 })
        try h.finish()
    }

    @Test("frame-duration sets the packet length (the RTP ptime); 25 ms is refused naming the allowed values",
          arguments: [10, 20, 40, 60])
    func frameDuration(milliseconds: Int) throws {
        let h = try NodeHarness(pipeline: "opus-encoder frame-duration=\(milliseconds)ms", registry: registry, inputs: [.mono16(16_000)])
        try h.push(.sine(hz: 300, duration: .milliseconds(120), sampleRate: 16_000))
        let packets = h.outputs
        #expect(packets.count == 120 / milliseconds)
        #expect(packets.allSatisfy { $0.sampleCount == 48 * milliseconds })
        try h.finish()
        let decode = try NodeHarness(pipeline: "opus-decoder rate=16000", registry: registry, inputs: [OpusCodec.format])
        try decode.push(bytes: packets[0].bytes, sampleCount: packets[0].sampleCount)
        #expect(decode.outputs.first?.sampleCount == 16 * milliseconds, "the decoder reads the duration from the packet")
        try decode.finish()
        #expect {
            try NodeHarness(pipeline: "opus-encoder frame-duration=25ms", registry: registry, inputs: [.mono16(16_000)])
        } throws: { "\($0)".contains("10ms, 20ms, 40ms or 60ms") }
    }

    @Test("rtp-receiver reads each Opus packet's duration from its TOC byte (RFC 6716 §3.1)", arguments: [10, 20, 40, 60])
    func receiverDuration(milliseconds: Int) throws {
        let h = try NodeHarness(pipeline: "opus-encoder frame-duration=\(milliseconds)ms ! rtp-sender ! rtp-receiver", registry: registry,
                                inputs: [.mono16(48_000)])
        try h.push(.sine(hz: 300, duration: .milliseconds(240), sampleRate: 48_000))
        let frames = h.outputs
        #expect(frames.count == 240 / milliseconds)
        #expect(frames.allSatisfy { $0.sampleCount == 48 * milliseconds })
        _ = h.outputs(port: 1)
        try h.finish()
    }

    @Test("the decoder plays at the rate downstream takes, 48 kHz when free, or its rate parameter")
    func decoderRates() throws {
        let free = try NodeHarness(pipeline: "opus-decoder", registry: registry, inputs: [OpusCodec.format])
        #expect(free.negotiatedOutput == .mono16(48_000))
        try free.finish()
        let narrow = try NodeHarness(pipeline: "opus-decoder rate=8000", registry: registry, inputs: [OpusCodec.format])
        #expect(narrow.negotiatedOutput == .mono16(8_000))
        try narrow.finish()
        #expect(throws: (any Error).self) {
            try NodeHarness(pipeline: "opus-decoder rate=44100", registry: registry, inputs: [OpusCodec.format])
        }
    }

    @Test("speech survives the round trip at the level it went in, mono at 16 and 48 kHz", arguments: [16_000, 48_000])
    func roundTrip(rate: Int) throws {
        let input = try speech(rate: rate)
        let h = try NodeHarness(pipeline: "opus-encoder bitrate=32000 ! opus-decoder rate=\(rate)", registry: registry,
                                inputs: [input.format])
        #expect(h.negotiatedOutput == .mono16(rate))
        try h.push(input)
        try h.push(event: .endOfStream)
        let output = h.outputSamples()
        try h.finish()
        #expect(abs(output.count - input.samples.count) < rate / 50, "a partial last frame is padded, nothing more")
        #expect(abs(AudioCheck.rmsDBFS(output) - AudioCheck.rmsDBFS(input.samples)) < 1.5)
        let aligned = alignedSNR(input.samples, output, rate: rate, maxLag: rate / 100)
        #expect(aligned.snr >= 3, "segmental SNR \(aligned.snr) dB at lag \(aligned.lag)")
    }

    @Test("stereo in, stereo out; mono=true codes a stereo input as mono")
    func stereo() throws {
        let left = Signal.sine(hz: 440, duration: .milliseconds(400), sampleRate: 48_000)
        var interleaved: [Int16] = []
        for sample in left.samples { interleaved += [sample, 0] }
        let input = Signal(samples: interleaved, sampleRate: 48_000, channels: 2)
        for (mono, expectSilentRight) in [(false, true), (true, false)] {
            let h = try NodeHarness(pipeline: "opus-encoder bitrate=64000 mono=\(mono) ! opus-decoder channels=2", registry: registry,
                                    inputs: [input.format])
            #expect(h.negotiatedOutput == .pcm(sampleRate: 48_000, channels: 2, sample: .int16))
            try h.push(input)
            let samples = h.outputSamples().dropFirst(2 * 4_800)   // past the start-up
            let right = stride(from: samples.startIndex + 1, to: samples.endIndex, by: 2).map { samples[$0] }
            let rightLevel = AudioCheck.rmsDBFS(right)
            #expect(expectSilentRight ? rightLevel < -40 : rightLevel > -20, "mono=\(mono): right channel at \(rightLevel) dBFS")
            try h.finish()
        }
    }

    @Test("a lost packet is concealed with Opus PLC: the timeline has no gap and the gap is not silent")
    func concealment() throws {
        let input = try speech(rate: 16_000)
        let encoder = try NodeHarness(pipeline: "opus-encoder", registry: registry, inputs: [input.format])
        try encoder.push(input)
        let packets = encoder.outputs
        try encoder.finish()
        let decoder = try NodeHarness(pipeline: "opus-decoder rate=16000", registry: registry, inputs: [OpusCodec.format])
        let lost = Set(packets.indices.filter { $0 % 9 == 4 })
        for (i, packet) in packets.enumerated() {
            if lost.contains(i) {
                try decoder.push(bytes: [], sampleCount: 960, flags: .missing)
            } else {
                try decoder.push(bytes: packet.bytes, sampleCount: packet.sampleCount)
            }
        }
        let frames = decoder.outputs
        try decoder.finish()
        #expect(frames.count == packets.count && frames.allSatisfy { $0.sampleCount == 320 })
        for (a, b) in zip(frames, frames.dropFirst()) { #expect(b.timestamp.sample == a.timestamp.sample + 320) }
        #expect(frames.filter { $0.flags.contains(.concealed) }.count == lost.count)
        #expect(frames.contains { $0.flags.contains(.concealed) && AudioCheck.rmsDBFS($0.samples) > -50 }, "PLC synthesizes speech-like sound")
    }

    @Test("a long gap (a held call) is concealed for 120 ms, then silent; the next packet plays again")
    func longGap() throws {
        let input = Signal.sine(hz: 440, duration: .milliseconds(400), sampleRate: 16_000)
        let encoder = try NodeHarness(pipeline: "opus-encoder", registry: registry, inputs: [input.format])
        try encoder.push(input)
        let packets = encoder.outputs
        try encoder.finish()
        let decoder = try NodeHarness(pipeline: "opus-decoder rate=16000", registry: registry, inputs: [OpusCodec.format])
        for packet in packets.prefix(10) { try decoder.push(bytes: packet.bytes, sampleCount: packet.sampleCount) }
        for _ in 0..<25 { try decoder.push(bytes: [], sampleCount: 960, flags: .missing) }
        for packet in packets.suffix(5) { try decoder.push(bytes: packet.bytes, sampleCount: packet.sampleCount) }
        let frames = decoder.outputs
        try decoder.finish()
        let gap = frames[10..<35]
        #expect(AudioCheck.rmsDBFS(gap.first!.samples) > -30, "PLC carries the tone on at first")
        #expect(gap.dropFirst(6).allSatisfy { AudioCheck.peak($0.samples) == 0 }, "silent after 120 ms")
        #expect(AudioCheck.rmsDBFS(frames.last!.samples) > -30, "the tone is back")
    }

    @Test("a corrupt packet is concealed, not fatal")
    func corruptPacket() throws {
        let decoder = try NodeHarness(pipeline: "opus-decoder rate=16000", registry: registry, inputs: [OpusCodec.format])
        try decoder.push(bytes: [0xFF, 0xFF, 0xFF], sampleCount: 960)   // code 3 with a frame count past 120 ms
        let frames = decoder.outputs
        #expect(frames.count == 1 && frames[0].sampleCount == 320 && frames[0].flags.contains(.concealed))
        try decoder.finish()
    }

    @Test("DTX: silence is not sent, speech is")
    func discontinuousTransmission() throws {
        let input = Signal.silence(duration: .seconds(2), sampleRate: 16_000)
            .appending(try speech("hello world", rate: 16_000))
        let h = try NodeHarness(pipeline: "opus-encoder dtx=true", registry: registry, inputs: [input.format])
        try h.push(input)
        try h.push(event: .endOfStream)
        let packets = h.outputs
        try h.finish()
        let frames = input.samples.count / 320
        let silentPackets = packets.filter { $0.timestamp.sample < 2 * 48_000 }.count
        #expect(silentPackets < 25, "\(silentPackets) packets in 2 s of silence (100 frames)")
        #expect(packets.count < frames && packets.count > frames - 100 - 5)
    }
}
