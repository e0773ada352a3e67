public import MediaCore
import COpus

extension CodecID {
    /// Opus (RFC 6716, RTP payload format RFC 7587).
    public static let opus: CodecID = "opus"
}

/// Facts about Opus shared by the encoder and the decoder.
public enum OpusCodec {
    /// The PCM rates libopus codes directly.
    public static let sampleRates = [48_000, 24_000, 16_000, 12_000, 8_000]
    /// The RTP clock rate of Opus, whatever the audio's rate (RFC 7587 §4.1).
    public static let rtpClockRate = 48_000
    /// The encoded format on a graph link: SDP always writes `opus/48000/2` (RFC 7587 §7), and
    /// each packet says for itself whether it is mono or stereo.
    public static let format = MediaFormat.encoded(codec: .opus, clockRate: rtpClockRate, channels: 2)
    /// The longest packet: 120 ms of audio (RFC 6716 §3.2.5).
    static let maximumPacketMilliseconds = 120
    /// The largest packet the encoder writes (60 ms at 510 kbit/s is 3825 bytes).
    static let maximumPacketBytes = 4_000

    /// libopus's text for an error code.
    static func errorText(_ code: Int32) -> String {
        opus_strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }
}

/// The Opus nodes.
public enum OpusPlugin: MediaPlugin {
    public static let name = "opus"
    public static let nodeTypes: [any MediaNode.Type] = [OpusEncoder.self, OpusDecoder.self]
}
