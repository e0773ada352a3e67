public import MediaCore
import CSpeex

/// The three Speex bands (RFC 5574 §3): narrowband 8 kHz, wideband 16 kHz, ultra-wideband 32 kHz.
public enum SpeexMode: String, CaseIterable, Sendable {
    case nb, wb, uwb

    /// The sample rate (and RTP clock rate) of the band.
    public var sampleRate: Int {
        switch self {
        case .nb: 8_000
        case .wb: 16_000
        case .uwb: 32_000
        }
    }

    /// The band for a sample rate.
    public init?(sampleRate: Int) {
        guard let mode = Self.allCases.first(where: { $0.sampleRate == sampleRate }) else { return nil }
        self = mode
    }

    /// Samples in one 20 ms Speex frame.
    public var frameSize: Int { sampleRate / 50 }

    var id: Int32 {
        switch self {
        case .nb: Int32(SPEEX_MODEID_NB)
        case .wb: Int32(SPEEX_MODEID_WB)
        case .uwb: Int32(SPEEX_MODEID_UWB)
        }
    }

    /// The encoded format of the band.
    public var format: MediaFormat { .encoded(codec: .speex, clockRate: sampleRate, channels: 1) }
}

/// The Speex nodes.
public enum SpeexPlugin: MediaPlugin {
    public static let name = "speex"
    public static let nodeTypes: [any MediaNode.Type] = [SpeexEncoder.self, SpeexDecoder.self]
}
