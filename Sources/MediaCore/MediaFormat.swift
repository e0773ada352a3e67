/// The representation of one PCM sample.
public enum SampleType: String, Hashable, Sendable, CaseIterable {
    /// Signed 16-bit integer, host byte order. The common currency of telephony.
    case int16 = "s16"
    /// 32-bit IEEE float in [-1, 1].
    case float32 = "f32"

    /// Size of one sample in bytes.
    public var byteWidth: Int {
        switch self {
        case .int16: 2
        case .float32: 4
        }
    }
}

/// The identity of an encoded media format (an RTP payload format name such as `PCMU`).
///
/// Codec identities are open: a plugin may define its own with `CodecID("opus")`.
/// Names compare case-insensitively, as SDP `a=rtpmap` encoding names do (RFC 8866 §6.6).
public struct CodecID: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The canonical encoding name, as written in SDP (`PCMU`, `speex`, `telephone-event`).
    public let name: String

    /// Creates a codec identity from its encoding name.
    public init(_ name: String) { self.name = name }

    /// Creates a codec identity from a string literal.
    public init(stringLiteral value: String) { self.init(value) }

    public static func == (lhs: CodecID, rhs: CodecID) -> Bool {
        lhs.name.lowercased() == rhs.name.lowercased()
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(name.lowercased()) }

    public var description: String { name }

    /// ITU-T G.711 µ-law (RTP static payload type 0, RFC 3551 §4.5.14).
    public static let pcmu: CodecID = "PCMU"
    /// ITU-T G.711 A-law (RTP static payload type 8, RFC 3551 §4.5.14).
    public static let pcma: CodecID = "PCMA"
    /// Speex (RFC 5574).
    public static let speex: CodecID = "speex"
    /// Named telephone events (RFC 4733).
    public static let telephoneEvent: CodecID = "telephone-event"
}

/// What one link of a media graph carries. Formats are fixed when the graph is built.
///
/// ```
/// .pcm(sampleRate: 8_000, channels: 1, sample: .int16)        // "PCM 8000 Hz mono s16"
/// .encoded(codec: .pcmu, clockRate: 8_000, channels: 1)       // "PCMU/8000"
/// ```
public enum MediaFormat: Hashable, Sendable, CustomStringConvertible {
    /// Uncompressed interleaved samples.
    case pcm(sampleRate: Int, channels: Int, sample: SampleType)
    /// Encoded frames of a codec; `clockRate` is the RTP clock rate of the format.
    case encoded(codec: CodecID, clockRate: Int, channels: Int)

    /// Mono signed 16-bit PCM at `rate`, the most common format in a call graph.
    public static func mono16(_ rate: Int) -> MediaFormat { .pcm(sampleRate: rate, channels: 1, sample: .int16) }

    /// The clock rate timestamps on this link count in (the sample rate for PCM).
    public var clockRate: Int {
        switch self {
        case .pcm(let rate, _, _): rate
        case .encoded(_, let rate, _): rate
        }
    }

    /// The number of channels.
    public var channels: Int {
        switch self {
        case .pcm(_, let channels, _): channels
        case .encoded(_, _, let channels): channels
        }
    }

    /// Bytes per multichannel sample frame for PCM; `nil` for encoded formats.
    public var bytesPerSampleFrame: Int? {
        switch self {
        case .pcm(_, let channels, let sample): channels * sample.byteWidth
        case .encoded: nil
        }
    }

    /// Whether this is a PCM format.
    public var isPCM: Bool {
        if case .pcm = self { true } else { false }
    }

    /// A short human-readable form used in messages: `PCM 16000 Hz mono s16`, `PCMU/8000`.
    public var description: String {
        switch self {
        case .pcm(let rate, let channels, let sample):
            "PCM \(rate) Hz \(Self.channelName(channels)) \(sample.rawValue)"
        case .encoded(let codec, let rate, let channels):
            channels == 1 ? "\(codec)/\(rate)" : "\(codec)/\(rate)/\(channels)"
        }
    }

    static func channelName(_ channels: Int) -> String {
        switch channels {
        case 1: "mono"
        case 2: "stereo"
        default: "\(channels)ch"
        }
    }
}
