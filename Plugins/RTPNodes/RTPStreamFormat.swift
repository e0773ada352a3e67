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
        case ("telephone-event", 8_000): return 101
        case ("telephone-event", 16_000): return 100
        case ("telephone-event", _): return 102
        default: return nil
        }
    }

    /// Samples in a payload of `bytes` bytes, for codecs whose size says so (G.711).
    static func samples(inPayloadOf format: MediaFormat, bytes: Int) -> Int? {
        guard case .encoded(let codec, _, let channels) = format else { return nil }
        switch codec.name.lowercased() {
        case "pcmu", "pcma": return bytes / max(channels, 1)
        default: return nil
        }
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
