import CallwireBuiltins
import MediaCore
import PipelineLanguage
import RawSpeex
#if canImport(Glibc)
import Glibc
#endif

/// One node (or chain) to measure: a started graph whose `step()` processes one 20 ms frame,
/// and `raw`, the same library calls on the same data in a plain loop.
final class CodecCase: @unchecked Sendable {
    let name: String
    let graph: Graph
    let raw: () -> Void

    init(name: String, pipeline: String, source: any SourceNode, raw: @escaping () -> Void) {
        self.name = name
        self.raw = raw
        do {
            graph = try PipelineCompiler(registry: BuiltinPlugins.registry(), slots: ["@src": .instance(source)])
                .build(pipeline)
            try graph.start()
        } catch {
            fatalError("benchmark pipeline '\(pipeline)' does not build: \(error)")
        }
    }

    enum Band { case nb, wb }

    /// `speex-encoder` at its defaults (quality 8, complexity 3, high-pass on).
    static func speexEncoder(mode: Band) -> CodecCase {
        let rate = mode == .nb ? 8_000 : 16_000
        let frameSize = rate / 50
        let signal = SpeechLikeSignal.make(sampleRate: rate, seconds: 10)
        let encoder = RawSpeexEncoder(modeID: mode == .nb ? SPEEX_MODEID_NB : SPEEX_MODEID_WB)
        var position = 0
        return CodecCase(
            name: "speex-encoder \(mode == .nb ? "NB" : "WB") node vs speex_encode_int loop",
            pipeline: "@src ! speex-encoder mode=\(mode == .nb ? "nb" : "wb") ! null-sink",
            source: LoopSource(samples: signal, sampleRate: rate),
            raw: {
                signal.withUnsafeBufferPointer { encoder.encode($0.baseAddress! + position) }
                position = (position + frameSize) % signal.count
            })
    }

    /// `speex-decoder` (enhancement and high-pass on, its defaults) on narrowband packets.
    static func speexDecoder() -> CodecCase {
        let signal = SpeechLikeSignal.make(sampleRate: 8_000, seconds: 10)
        let encoder = RawSpeexEncoder(modeID: SPEEX_MODEID_NB)
        let packets = stride(from: 0, to: signal.count, by: 160).map { start in
            signal.withUnsafeBufferPointer { encoder.encodePacket($0.baseAddress! + start) }
        }
        let decoder = RawSpeexDecoder(modeID: SPEEX_MODEID_NB)
        var index = 0
        return CodecCase(
            name: "speex-decoder NB node vs speex_decode_int loop",
            pipeline: "@src ! speex-decoder ! null-sink",
            source: PacketLoopSource(packets: packets, format: .encoded(codec: .speex, clockRate: 8_000, channels: 1),
                                     samplesPerPacket: 160),
            raw: {
                packets[index].withUnsafeBytes { decoder.decode($0) }
                index = (index + 1) % packets.count
            })
    }

    /// `resample` at its default quality (4).
    static func resample(from inRate: Int, to outRate: Int) -> CodecCase {
        let signal = SpeechLikeSignal.make(sampleRate: inRate, seconds: 10)
        let resampler = RawResampler(from: inRate, to: outRate)
        var position = 0
        let frame = inRate / 50
        return CodecCase(
            name: "resample \(inRate / 1000)k→\(outRate / 1000)k node vs speex_resampler loop",
            pipeline: "@src ! resample rate=\(outRate) ! null-sink",
            source: LoopSource(samples: signal, sampleRate: inRate),
            raw: {
                signal.withUnsafeBufferPointer { resampler.process($0.baseAddress! + position, count: frame) }
                position = (position + frame) % signal.count
            })
    }

    /// A call's media path with Speex NB, both directions chained, against its raw calls.
    static func callPathNarrowband() -> CodecCase {
        let signal = SpeechLikeSignal.make(sampleRate: 48_000, seconds: 10)
        let down = RawResampler(from: 48_000, to: 8_000), up = RawResampler(from: 8_000, to: 48_000)
        let encoder = RawSpeexEncoder(modeID: SPEEX_MODEID_NB), decoder = RawSpeexDecoder(modeID: SPEEX_MODEID_NB)
        var position = 0
        return CodecCase(
            name: "call path 48k→8k→Speex NB→48k graph vs raw calls",
            pipeline: "@src ! resample rate=8000 ! speex-encoder ! speex-decoder ! resample rate=48000 ! null-sink",
            source: LoopSource(samples: signal, sampleRate: 48_000),
            raw: {
                signal.withUnsafeBufferPointer { down.process($0.baseAddress! + position, count: 960) }
                down.output.withUnsafeBufferPointer { encoder.encode($0.baseAddress!) }
                encoder.withPacket { decoder.decode($0) }
                decoder.output.withUnsafeBufferPointer { up.process($0.baseAddress!, count: 160) }
                position = (position + 960) % signal.count
            })
    }
}

/// A Speex encoder configured as the node configures it by default.
final class RawSpeexEncoder {
    private let state: UnsafeMutableRawPointer
    private var bits = SpeexBits()
    private var packet = [CChar](repeating: 0, count: 256)

    init(modeID: Int32) {
        state = speex_encoder_init(speex_lib_get_mode(modeID))
        var value: Int32 = 8
        speex_encoder_ctl(state, SPEEX_SET_QUALITY, &value)
        value = 3
        speex_encoder_ctl(state, SPEEX_SET_COMPLEXITY, &value)
        value = 0
        speex_encoder_ctl(state, SPEEX_SET_VBR, &value)
        value = 1
        speex_encoder_ctl(state, SPEEX_SET_HIGHPASS, &value)
        speex_bits_init(&bits)
    }

    /// The last packet written by ``encode(_:)``.
    private(set) var packetLength = 0

    /// Encodes one frame into ``packet`` (no allocation, like the node).
    func encode(_ frame: UnsafePointer<Int16>) {
        speex_encode_int(state, UnsafeMutablePointer(mutating: frame), &bits)
        packetLength = Int(speex_bits_write(&bits, &packet, Int32(packet.count)))
        speex_bits_reset(&bits)
    }

    /// Encodes one frame and returns a copy of the packet (for preparing decoder input).
    func encodePacket(_ frame: UnsafePointer<Int16>) -> [UInt8] {
        encode(frame)
        return packet[0..<packetLength].map { UInt8(bitPattern: $0) }
    }

    /// Calls `body` with the last packet.
    func withPacket<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        packet.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<packetLength])) }
    }
}

/// A Speex decoder configured as the node configures it by default.
final class RawSpeexDecoder {
    private let state: UnsafeMutableRawPointer
    private var bits = SpeexBits()
    var output = [Int16](repeating: 0, count: 640)

    init(modeID: Int32) {
        state = speex_decoder_init(speex_lib_get_mode(modeID))
        var value: Int32 = 1
        speex_decoder_ctl(state, SPEEX_SET_ENH, &value)
        speex_decoder_ctl(state, SPEEX_SET_HIGHPASS, &value)
        speex_bits_init(&bits)
    }

    func decode(_ packet: UnsafeRawBufferPointer) {
        speex_bits_read_from(&bits, UnsafeMutablePointer(mutating: packet.baseAddress!.assumingMemoryBound(to: CChar.self)),
                             Int32(packet.count))
        _ = output.withUnsafeMutableBufferPointer { speex_decode_int(state, &bits, $0.baseAddress) }
    }
}

/// A SpeexDSP resampler at the node's default quality.
final class RawResampler {
    private let state: OpaquePointer
    var output: [Int16]
    private let outCapacity: Int

    init(from inRate: Int, to outRate: Int) {
        var error: Int32 = 0
        state = speex_resampler_init(1, UInt32(inRate), UInt32(outRate), 4, &error)
        speex_resampler_skip_zeros(state)
        outCapacity = outRate / 50 + 32
        output = [Int16](repeating: 0, count: outCapacity)
    }

    func process(_ input: UnsafePointer<Int16>, count: Int) {
        var inLength = UInt32(count), outLength = UInt32(outCapacity)
        output.withUnsafeMutableBufferPointer {
            _ = speex_resampler_process_interleaved_int(state, input, &inLength, $0.baseAddress, &outLength)
        }
    }
}

/// A voiced, speech-like test signal: a 110–150 Hz glottal pulse train through three formants,
/// with syllable-rate amplitude changes and a little noise. Deterministic.
enum SpeechLikeSignal {
    static func make(sampleRate: Int, seconds: Int) -> [Int16] {
        var samples = [Int16](repeating: 0, count: sampleRate * seconds)
        var seed: UInt64 = 0x9E37_79B9
        var phase = 0.0
        let formants: [(hz: Double, gain: Double)] = [(700, 1), (1_220, 0.5), (2_600, 0.25)]
        for i in samples.indices {
            let t = Double(i) / Double(sampleRate)
            let pitch = 130 + 20 * sin(2 * .pi * 0.7 * t)
            phase += pitch / Double(sampleRate)
            let pulse = phase - phase.rounded(.down)
            var value = 0.0
            for formant in formants where formant.hz < Double(sampleRate) / 2 {
                value += formant.gain * sin(2 * .pi * formant.hz * pulse / pitch) * exp(-pulse * 8)
            }
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            let noise = Double(Int64(bitPattern: seed) >> 40) / Double(1 << 23)
            let syllable = 0.55 + 0.45 * sin(2 * .pi * 4 * t)
            samples[i] = Int16(clamping: Int((6_000 * syllable * value + 300 * noise).rounded()))
        }
        return samples
    }
}
