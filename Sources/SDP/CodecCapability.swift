/// A codec an endpoint can use on an RTP audio stream, with the payload type it offers it under.
public struct CodecCapability: Sendable, Hashable, CustomStringConvertible {
    /// The encoding name (`PCMU`, `PCMA`, `speex`, `telephone-event`).
    public var encoding: String
    /// The RTP clock rate.
    public var clockRate: Int
    /// Audio channels.
    public var channels: Int
    /// The payload type used in offers: the static one (RFC 3551 §6) or a dynamic one (96–127).
    public var payloadType: Int
    /// `a=fmtp` parameters to offer, if any.
    public var formatParameters: String?

    /// Creates a capability.
    public init(encoding: String, clockRate: Int, channels: Int = 1, payloadType: Int, formatParameters: String? = nil) {
        self.encoding = encoding
        self.clockRate = clockRate
        self.channels = channels
        self.payloadType = payloadType
        self.formatParameters = formatParameters
    }

    /// G.711 µ-law, static payload type 0.
    public static let pcmu = CodecCapability(encoding: "PCMU", clockRate: 8_000, payloadType: 0)
    /// G.711 A-law, static payload type 8.
    public static let pcma = CodecCapability(encoding: "PCMA", clockRate: 8_000, payloadType: 8)
    /// Speex narrowband (RFC 5574).
    public static let speexNarrowband = CodecCapability(encoding: "speex", clockRate: 8_000, payloadType: 97)
    /// Speex wideband.
    public static let speexWideband = CodecCapability(encoding: "speex", clockRate: 16_000, payloadType: 98)
    /// Speex ultra-wideband.
    public static let speexUltraWideband = CodecCapability(encoding: "speex", clockRate: 32_000, payloadType: 99)
    /// Opus (RFC 7587): always written `opus/48000/2`, whatever the audio's rate and channels
    /// (§7), with this side's receive preferences in `a=fmtp`.
    public static let opus = CodecCapability(encoding: "opus", clockRate: 48_000, channels: 2, payloadType: 96,
                                             formatParameters: "useinbandfec=1")
    /// G.722, static payload type 9: 16 kHz audio on an 8000 Hz RTP clock (RFC 3551 §4.5.2).
    public static let g722 = CodecCapability(encoding: "G722", clockRate: 8_000, payloadType: 9)
    /// GSM 06.10 full rate, static payload type 3 (RFC 3551 §4.5.8).
    public static let gsm = CodecCapability(encoding: "GSM", clockRate: 8_000, payloadType: 3)
    /// RFC 4733 DTMF events 0–15 and flash (16), at 8 kHz.
    public static let telephoneEvent = CodecCapability(encoding: "telephone-event", clockRate: 8_000, payloadType: 101,
                                                       formatParameters: "0-16")

    /// RFC 4733 events at the clock rate of a wideband codec (§2.1: the rate of the audio).
    public static func telephoneEvent(clockRate: Int) -> CodecCapability {
        switch clockRate {
        case 8_000: .telephoneEvent
        case 16_000: CodecCapability(encoding: "telephone-event", clockRate: 16_000, payloadType: 100, formatParameters: "0-16")
        case 32_000: CodecCapability(encoding: "telephone-event", clockRate: 32_000, payloadType: 102, formatParameters: "0-16")
        case 48_000: CodecCapability(encoding: "telephone-event", clockRate: 48_000, payloadType: 103, formatParameters: "0-16")
        default: CodecCapability(encoding: "telephone-event", clockRate: clockRate, payloadType: 104, formatParameters: "0-16")
        }
    }

    /// Whether this is RFC 4733 telephone-event rather than audio.
    public var isTelephoneEvent: Bool { encoding.lowercased() == "telephone-event" }

    /// The rtpmap for this capability under `payloadType`.
    public func rtpMap(payloadType: Int? = nil) -> RTPMap {
        RTPMap(payloadType: payloadType ?? self.payloadType, encoding: encoding, clockRate: clockRate, channels: channels)
    }

    /// Whether an offered or answered rtpmap names this codec.
    public func matches(_ map: RTPMap) -> Bool { rtpMap().sameCodec(as: map) }

    /// `PCMU/8000`, `speex/16000`.
    public var description: String { "\(encoding)/\(clockRate)" + (channels != 1 ? "/\(channels)" : "") }
}
