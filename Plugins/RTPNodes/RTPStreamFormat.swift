public import MediaCore

/// How RTP packets travel on a graph link: as frames whose format names the payload they carry.
///
/// `rtp-sender` turns `speex/16000` frames into `rtp/speex/16000` packet frames; `rtp-receiver`
/// turns them back. A call needs no such link (the session carries the packets); offline graphs
/// and tests use it to put `impair` between a sender and a receiver.
public enum RTPStreamFormat {
    static let prefix = "rtp/"

    /// The format of packets carrying `payload`.
    public static func packets(carrying payload: MediaFormat) -> MediaFormat {
        .encoded(codec: CodecID(prefix + payload.codecName), clockRate: payload.clockRate, channels: payload.channels)
    }

    /// The payload format carried by a packet format, or `nil` when `format` is not RTP.
    public static func payload(of format: MediaFormat) -> MediaFormat? {
        guard case .encoded(let codec, let rate, let channels) = format, codec.name.hasPrefix(prefix) else { return nil }
        return .encoded(codec: CodecID(String(codec.name.dropFirst(prefix.count))), clockRate: rate, channels: channels)
    }

    /// The payload type a stream of `format` uses when none is negotiated: RFC 3551's static
    /// numbers, and the dynamic numbers Callwire offers (SDP `CodecCapability`).
    public static func defaultPayloadType(for format: MediaFormat) -> UInt8? {
        guard case .encoded(let codec, let rate, _) = format else { return nil }
        switch (codec.name.lowercased(), rate) {
        case ("pcmu", 8_000): return 0
        case ("pcma", 8_000): return 8
        case ("speex", 8_000): return 97
        case ("speex", 16_000): return 98
        case ("speex", 32_000): return 99
        case ("gsm", 8_000): return 3
        case ("g722", 8_000): return 9
        case ("opus", 48_000): return 96
        case ("telephone-event", 8_000): return 101
        case ("telephone-event", 16_000): return 100
        case ("telephone-event", 32_000): return 102
        case ("telephone-event", 48_000): return 103
        case ("telephone-event", _): return 104
        default: return nil
        }
    }

    /// The duration of a payload in ticks of the RTP clock, for codecs whose payload says so:
    /// G.711 and G.722 by their size (G.722 counts 8 kHz ticks, one per octet: RFC 3551
    /// §4.5.2), GSM by its 33-octet frames, Opus by its TOC byte (RFC 6716 §3.1).
    static func samples(inPayloadOf format: MediaFormat, payload: UnsafeRawBufferPointer) -> Int? {
        guard case .encoded(let codec, _, let channels) = format else { return nil }
        switch codec.name.lowercased() {
        case "pcmu", "pcma": return payload.count / max(channels, 1)
        case "g722": return payload.count
        case "gsm": return payload.count >= 33 ? payload.count / 33 * 160 : nil
        case "opus": return opusSamples(payload)
        default: return nil
        }
    }

    /// The 48 kHz ticks an Opus packet covers, from its TOC byte (RFC 6716 §3.1): the
    /// configuration gives the frame size, the code the number of frames.
    static func opusSamples(_ packet: UnsafeRawBufferPointer) -> Int? {
        guard let toc = packet.first else { return nil }
        let configuration = Int(toc >> 3)
        let frameSize: Int   // in 48 kHz ticks
        switch configuration {
        case 0..<12: frameSize = [480, 960, 1_920, 2_880][configuration % 4]      // SILK: 10, 20, 40, 60 ms
        case 12..<16: frameSize = [480, 960][configuration % 2]                   // hybrid: 10, 20 ms
        default: frameSize = [120, 240, 480, 960][configuration % 4]              // CELT: 2.5, 5, 10, 20 ms
        }
        let frames: Int
        switch toc & 0x3 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            guard packet.count >= 2 else { return nil }
            frames = Int(packet[1] & 0x3F)
        }
        let samples = frames * frameSize
        return samples > 0 && samples <= 5_760 ? samples : nil   // at most 120 ms (§3.2.5)
    }
}

extension MediaFormat {
    var codecName: String {
        switch self {
        case .encoded(let codec, _, _): codec.name
        case .pcm: "L16"
        }
    }
}
