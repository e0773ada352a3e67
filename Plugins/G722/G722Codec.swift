public import MediaCore

extension CodecID {
    /// ITU-T G.722 at 64 kbit/s (RTP static payload type 9, RFC 3551 §4.5.2).
    public static let g722: CodecID = "G722"
}

/// Facts about G.722 on RTP shared by the encoder and the decoder.
///
/// G.722 codes 16 kHz audio, but its RTP clock runs at 8000 Hz: RFC 1890 gave the wrong rate
/// and RFC 3551 §4.5.2 keeps it "for backward compatibility". So a 20 ms packet holds 320
/// samples (160 octets) and advances the RTP timestamp by 160. On a graph link the encoded
/// format is `G722/8000`, and durations and timestamps count in 8 kHz ticks; the nodes convert
/// at the boundary. Getting this wrong is the classic G.722 interop bug (audio at double or
/// half speed, or a jitter buffer that conceals every other packet).
public enum G722Codec {
    /// The audio sample rate.
    public static let sampleRate = 16_000
    /// The RTP clock rate (RFC 3551 §4.5.2).
    public static let rtpClockRate = 8_000
    /// The encoded format on a graph link.
    public static let format = MediaFormat.encoded(codec: .g722, clockRate: rtpClockRate, channels: 1)
    /// The bit rate RTP's `G722` payload format carries (RFC 3551 §4.5.2).
    static let bitRate: Int32 = 64_000
}

/// The G.722 nodes.
public enum G722Plugin: MediaPlugin {
    public static let name = "g722"
    public static let nodeTypes: [any MediaNode.Type] = [G722Encoder.self, G722Decoder.self]
}
