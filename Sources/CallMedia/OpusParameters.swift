import MediaCore
import SDP

/// How Opus's SDP parameters (RFC 7587 §7.1) set the nodes, in both directions.
///
/// Each side's `a=fmtp` describes that side: what it prefers to receive (`maxplaybackrate`,
/// `stereo`, `useinbandfec`, `usedtx`, `maxaveragebitrate`, `cbr`) and what it sends
/// (`sprop-maxcapturerate`, `sprop-stereo`). This side writes its own from its pipeline's
/// formats, and tunes its encoder to the peer's.
public enum OpusParameters {
    /// The packet durations a ptime may choose (RFC 7587 §4.1 allows 2.5–120 ms; a call uses these).
    static let frameDurations = [10, 20, 40, 60]

    /// This side's parameters: the rate its pipeline plays and captures at, stereo when it
    /// has two channels, and in-band FEC, which the decoder uses (RFC 7587 §7.1 defaults are
    /// left out: `usedtx=0`, `cbr=0`).
    public static let local: CodecCatalog.LocalParameters = { capture, playback in
        var entries: [(name: String, value: String)] = []
        if let playback { entries.append(("maxplaybackrate", String(playback.clockRate))) }
        if let capture { entries.append(("sprop-maxcapturerate", String(capture.clockRate))) }
        if playback?.channels == 2 { entries.append(("stereo", "1")) }
        if capture?.channels == 2 { entries.append(("sprop-stereo", "1")) }
        entries.append(("useinbandfec", "1"))
        return FormatParameters(entries).description
    }

    /// The encoder settings the peer asked for; the decoder always uses FEC when it is there.
    public static let tuning: CodecCatalog.Tuning = { negotiated in
        let peer = FormatParameters(negotiated.formatParameters)
        var encoder: [String: ParameterValue] = [:]
        // maxplaybackrate: no point coding a wider band than the peer plays.
        if let rate = peer.int("maxplaybackrate") { encoder["max-bandwidth"] = .string(bandwidth(forPlaybackRate: rate)) }
        if let bitrate = peer.int("maxaveragebitrate") { encoder["bitrate"] = .int(min(max(bitrate, 6_000), 510_000)) }
        encoder["mono"] = .bool(!peer.flag("stereo"))
        if peer.flag("cbr") { encoder["vbr"] = .bool(false) }
        if peer.flag("useinbandfec") {
            encoder["fec"] = .bool(true)
            encoder["expected-loss"] = .percent(0.1)   // FEC data is only produced for an expected loss above 0
        }
        if peer.flag("usedtx") { encoder["dtx"] = .bool(true) }
        let ptime = frameDurations.last { $0 <= negotiated.packetTime } ?? frameDurations[0]
        encoder["frame-duration"] = .duration(.milliseconds(ptime))
        return (encoder, ["fec": .bool(true)])
    }

    /// The Opus audio band for a receiver's `maxplaybackrate` (RFC 7587 §7.1; RFC 6716 §2).
    static func bandwidth(forPlaybackRate rate: Int) -> String {
        switch rate {
        case ..<12_000: "nb"
        case ..<16_000: "mb"
        case ..<24_000: "wb"
        case ..<48_000: "swb"
        default: "fb"
        }
    }
}
