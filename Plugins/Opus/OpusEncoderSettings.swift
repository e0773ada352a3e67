import COpus
import MediaCore

/// The `opus-encoder` parameters, checked, and how they map onto libopus controls.
struct OpusEncoderSettings {
    /// `OPUS_APPLICATION_*`.
    enum Application: String {
        case voip, audio, lowdelay

        var code: Int32 {
            switch self {
            case .voip: OPUS_APPLICATION_VOIP
            case .audio: OPUS_APPLICATION_AUDIO
            case .lowdelay: OPUS_APPLICATION_RESTRICTED_LOWDELAY
            }
        }
    }

    let bitrate: Int
    let complexity: Int
    let application: Application
    let vbr: Bool
    let dtx: Bool
    let fec: Bool
    /// 0–100.
    let expectedLoss: Int
    let frameMilliseconds: Int
    /// `OPUS_BANDWIDTH_*`, or `OPUS_AUTO`.
    let maximumBandwidth: Int32
    let mono: Bool

    /// The packet durations RFC 7587 §4.1 lets a ptime take, in milliseconds.
    static let frameDurations = [10, 20, 40, 60]

    init(_ parameters: NodeParameters) throws(NodeError) {
        bitrate = parameters.int("bitrate")
        if bitrate != 0, bitrate < 6_000 {
            throw .configuration("opus-encoder: bitrate must be 0 (automatic) or 6000–510000 bit/s, got \(bitrate)")
        }
        complexity = parameters.int("complexity")
        application = Application(rawValue: parameters.string("application") ?? "voip") ?? .voip
        vbr = parameters.bool("vbr")
        dtx = parameters.bool("dtx")
        fec = parameters.bool("fec")
        expectedLoss = Int((parameters.double("expected-loss") * 100).rounded())
        let duration = parameters.duration("frame-duration")
        let milliseconds = Int((duration.secondsDouble * 1_000).rounded())
        guard Self.frameDurations.contains(milliseconds), duration == .milliseconds(milliseconds) else {
            throw .configuration("opus-encoder: frame-duration must be 10ms, 20ms, 40ms or 60ms, got \(duration)")
        }
        frameMilliseconds = milliseconds
        maximumBandwidth = switch parameters.string("max-bandwidth") ?? "auto" {
        case "nb": OPUS_BANDWIDTH_NARROWBAND
        case "mb": OPUS_BANDWIDTH_MEDIUMBAND
        case "wb": OPUS_BANDWIDTH_WIDEBAND
        case "swb": OPUS_BANDWIDTH_SUPERWIDEBAND
        case "fb": OPUS_BANDWIDTH_FULLBAND
        default: OPUS_AUTO
        }
        mono = parameters.bool("mono")
    }

    /// Sets the controls on a new encoder.
    func apply(to encoder: OpaquePointer, channels: Int) throws(NodeError) {
        let results: [(String, Int32)] = [
            ("bitrate", callwire_opus_set_bitrate(encoder, bitrate == 0 ? OPUS_AUTO : Int32(bitrate))),
            ("complexity", callwire_opus_set_complexity(encoder, Int32(complexity))),
            ("vbr", callwire_opus_set_vbr(encoder, vbr ? 1 : 0)),
            ("dtx", callwire_opus_set_dtx(encoder, dtx ? 1 : 0)),
            ("fec", callwire_opus_set_inband_fec(encoder, fec ? 1 : 0)),
            ("expected-loss", callwire_opus_set_packet_loss_perc(encoder, Int32(expectedLoss))),
            ("max-bandwidth", maximumBandwidth == OPUS_AUTO ? OPUS_OK : callwire_opus_set_max_bandwidth(encoder, maximumBandwidth)),
            ("mono", mono && channels == 2 ? callwire_opus_set_force_channels(encoder, 1) : OPUS_OK),
        ]
        for (name, result) in results where result != OPUS_OK {
            throw .configuration("opus-encoder: libopus refused \(name): \(OpusCodec.errorText(result))")
        }
    }
}
