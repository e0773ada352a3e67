import Benchmark
import RawCodecs

/// The Opus, G.722 and GSM nodes against their libraries called directly, configured alike.
extension CodecCase {
    /// `opus-encoder` at its defaults (voip, complexity 5, VBR, automatic bit rate, 20 ms).
    static func opusEncoder(rate: Int) -> CodecCase {
        let frame = rate / 50
        let signal = SpeechLikeSignal.make(sampleRate: rate, seconds: 10)
        let encoder = RawOpusEncoder(rate: rate)
        var position = 0
        return CodecCase(
            name: "opus-encoder \(rate / 1000)k node vs opus_encode loop",
            pipeline: "@src ! opus-encoder ! null-sink",
            source: LoopSource(samples: signal, sampleRate: rate),
            raw: {
                signal.withUnsafeBufferPointer { encoder.encode($0.baseAddress! + position, frame: frame) }
                position = (position + frame) % signal.count
            })
    }

    /// `opus-decoder` at `rate` on packets the encoder made from the same rate.
    static func opusDecoder(rate: Int) -> CodecCase {
        let frame = rate / 50
        let signal = SpeechLikeSignal.make(sampleRate: rate, seconds: 10)
        let encoder = RawOpusEncoder(rate: rate)
        let packets = stride(from: 0, to: signal.count, by: frame).map { start in
            signal.withUnsafeBufferPointer { encoder.encodePacket($0.baseAddress! + start, frame: frame) }
        }
        var error: Int32 = 0
        let decoder = opus_decoder_create(Int32(rate), 1, &error)!
        var output = [Int16](repeating: 0, count: rate * 120 / 1000)
        var index = 0
        return CodecCase(
            name: "opus-decoder \(rate / 1000)k node vs opus_decode loop",
            pipeline: "@src ! opus-decoder rate=\(rate) ! null-sink",
            source: PacketLoopSource(packets: packets, format: .encoded(codec: "opus", clockRate: 48_000, channels: 2),
                                     samplesPerPacket: 960),
            raw: {
                packets[index].withUnsafeBufferPointer { packet in
                    output.withUnsafeMutableBufferPointer {
                        blackHole(opus_decode(decoder, packet.baseAddress, Int32(packet.count), $0.baseAddress!, Int32($0.count), 0))
                    }
                }
                index = (index + 1) % packets.count
            })
    }

    /// `g722-encoder` (64 kbit/s, 20 ms packets).
    static func g722Encoder() -> CodecCase {
        let signal = SpeechLikeSignal.make(sampleRate: 16_000, seconds: 10)
        let encoder = g722_encode_init(nil, 64_000, 0)!
        var packet = [UInt8](repeating: 0, count: 160)
        var position = 0
        return CodecCase(
            name: "g722-encoder node vs g722_encode loop",
            pipeline: "@src ! g722-encoder ! null-sink",
            source: LoopSource(samples: signal, sampleRate: 16_000),
            raw: {
                signal.withUnsafeBufferPointer { samples in
                    packet.withUnsafeMutableBufferPointer {
                        blackHole(g722_encode(encoder, $0.baseAddress, samples.baseAddress! + position, 320))
                    }
                }
                position = (position + 320) % signal.count
            })
    }

    /// `g722-decoder` on 20 ms packets.
    static func g722Decoder() -> CodecCase {
        let signal = SpeechLikeSignal.make(sampleRate: 16_000, seconds: 10)
        let encoder = g722_encode_init(nil, 64_000, 0)!
        let packets = stride(from: 0, to: signal.count, by: 320).map { start in
            var packet = [UInt8](repeating: 0, count: 160)
            signal.withUnsafeBufferPointer { _ = g722_encode(encoder, &packet, $0.baseAddress! + start, 320) }
            return packet
        }
        let decoder = g722_decode_init(nil, 64_000, 0)!
        var output = [Int16](repeating: 0, count: 320)
        var index = 0
        return CodecCase(
            name: "g722-decoder node vs g722_decode loop",
            pipeline: "@src ! g722-decoder ! null-sink",
            source: PacketLoopSource(packets: packets, format: .encoded(codec: "G722", clockRate: 8_000, channels: 1),
                                     samplesPerPacket: 160),
            raw: {
                packets[index].withUnsafeBufferPointer { packet in
                    output.withUnsafeMutableBufferPointer { blackHole(g722_decode(decoder, $0.baseAddress, packet.baseAddress, 160)) }
                }
                index = (index + 1) % packets.count
            })
    }

    /// `gsm-encoder` (one 33-octet frame per packet).
    static func gsmEncoder() -> CodecCase {
        let signal = SpeechLikeSignal.make(sampleRate: 8_000, seconds: 10)
        let encoder = gsm_create()!
        var frame = [UInt8](repeating: 0, count: 33)
        var position = 0
        return CodecCase(
            name: "gsm-encoder node vs gsm_encode loop",
            pipeline: "@src ! gsm-encoder ! null-sink",
            source: LoopSource(samples: signal, sampleRate: 8_000),
            raw: {
                signal.withUnsafeBufferPointer { samples in
                    frame.withUnsafeMutableBufferPointer {
                        gsm_encode(encoder, UnsafeMutablePointer(mutating: samples.baseAddress! + position), $0.baseAddress)
                    }
                }
                position = (position + 160) % signal.count
            })
    }

    /// `gsm-decoder` on one frame per packet.
    static func gsmDecoder() -> CodecCase {
        let signal = SpeechLikeSignal.make(sampleRate: 8_000, seconds: 10)
        let encoder = gsm_create()!
        let packets = stride(from: 0, to: signal.count, by: 160).map { start in
            var frame = [UInt8](repeating: 0, count: 33)
            signal.withUnsafeBufferPointer { gsm_encode(encoder, UnsafeMutablePointer(mutating: $0.baseAddress! + start), &frame) }
            return frame
        }
        let decoder = gsm_create()!
        var output = [Int16](repeating: 0, count: 160)
        var index = 0
        return CodecCase(
            name: "gsm-decoder node vs gsm_decode loop",
            pipeline: "@src ! gsm-decoder ! null-sink",
            source: PacketLoopSource(packets: packets, format: .encoded(codec: "GSM", clockRate: 8_000, channels: 1),
                                     samplesPerPacket: 160),
            raw: {
                packets[index].withUnsafeBufferPointer { packet in
                    output.withUnsafeMutableBufferPointer {
                        blackHole(gsm_decode(decoder, UnsafeMutablePointer(mutating: packet.baseAddress), $0.baseAddress))
                    }
                }
                index = (index + 1) % packets.count
            })
    }
}

/// An Opus encoder configured as `opus-encoder` configures it by default.
final class RawOpusEncoder {
    private let state: OpaquePointer
    private var packet = [UInt8](repeating: 0, count: 4_000)
    private var length = 0

    init(rate: Int) {
        var error: Int32 = 0
        state = opus_encoder_create(Int32(rate), 1, OPUS_APPLICATION_VOIP, &error)!
        _ = raw_opus_set_bitrate(state, OPUS_AUTO)
        _ = raw_opus_set_complexity(state, 5)
        _ = raw_opus_set_vbr(state, 1)
        _ = raw_opus_set_dtx(state, 0)
        _ = raw_opus_set_inband_fec(state, 0)
        _ = raw_opus_set_packet_loss_perc(state, 0)
    }

    func encode(_ samples: UnsafePointer<Int16>, frame: Int) {
        length = packet.withUnsafeMutableBufferPointer {
            Int(opus_encode(state, samples, Int32(frame), $0.baseAddress!, Int32($0.count)))
        }
    }

    func encodePacket(_ samples: UnsafePointer<Int16>, frame: Int) -> [UInt8] {
        encode(samples, frame: frame)
        return Array(packet[0..<length])
    }
}
