public import MediaCore

extension CodecID {
    /// ETSI GSM 06.10 full rate (RTP static payload type 3, RFC 3551 §4.5.8).
    public static let gsm: CodecID = "GSM"
}

/// Facts about GSM 06.10 on RTP (RFC 3551 §4.5.8) shared by the encoder and the decoder.
public enum GSMCodec {
    /// The sample rate and RTP clock rate.
    public static let sampleRate = 8_000
    /// Samples in one 20 ms frame.
    public static let frameSamples = 160
    /// Octets in one frame: 260 bits and the 4-bit signature 0xD (RFC 3551 §4.5.8.1).
    public static let frameBytes = 33
    /// The encoded format on a graph link.
    public static let format = MediaFormat.encoded(codec: .gsm, clockRate: sampleRate, channels: 1)
}

/// The GSM nodes.
public enum GSMPlugin: MediaPlugin {
    public static let name = "gsm"
    public static let nodeTypes: [any MediaNode.Type] = [GSMEncoder.self, GSMDecoder.self]
}
