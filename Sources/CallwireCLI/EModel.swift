/// A call-quality estimate from the ITU-T G.107 E-model, simplified the way network planners use
/// it for VoIP (no echo, no noise, no advantage factor):
///
///     R = Ro − Is − Id − Ie,eff + A      with Ro − Is = 93.2 (G.107 defaults), A = 0
///     Id = 0.024·Ta + 0.11·(Ta − 177.3)·H(Ta − 177.3)      (one-way delay Ta in ms)
///     Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)   (G.107 §7.4; BurstR = 1: random loss)
///     MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶   for 0 < R < 100 (G.107 Annex B)
///
/// Ie (equipment impairment) and Bpl (packet-loss robustness) per codec, from ITU-T G.113
/// Appendix I (Tables I.1 and I.3) where G.113 lists the codec:
///
/// | codec              | Ie | Bpl  | source                                                         |
/// |--------------------|----|------|----------------------------------------------------------------|
/// | PCMU, PCMA (G.711) | 0  | 25.1 | G.113 I.3, G.711 with Appendix I PLC (our decoders conceal so) |
/// | G.711 without PLC  | 0  | 4.3  | G.113 I.3 (``Codec/g711WithoutConcealment``)                   |
/// | speex (all modes)  | 11 | 19.0 | not in G.113: taken as G.729A (a CELP codec at 8 kbit/s)        |
/// | anything else      | 11 | 19.0 | the same conservative CELP-class values                        |
///
/// Ta is what the load tool can know: half the RTCP round trip (RFC 3550 §6.4.1), plus the
/// packetization (one frame) and the receiver's jitter-buffer delay.
struct EModel: Sendable, Equatable {
    /// A codec's impairment values.
    struct Codec: Sendable, Equatable {
        /// Equipment impairment factor Ie.
        var ie: Double
        /// Packet-loss robustness factor Bpl.
        var bpl: Double

        /// G.711 with packet loss concealment (G.711 Appendix I): what `pcmu-decoder` and
        /// `pcma-decoder` do.
        static let g711 = Codec(ie: 0, bpl: 25.1)
        /// G.711 with lost packets played as silence.
        static let g711WithoutConcealment = Codec(ie: 0, bpl: 4.3)
        /// CELP-class codecs (G.729A values, used for Speex).
        static let celp = Codec(ie: 11, bpl: 19)

        /// The values for a codec named as SDP names it (`PCMU/8000`, `speex/16000`).
        static func named(_ name: String) -> Codec {
            let encoding = name.split(separator: "/").first.map { $0.uppercased() } ?? ""
            return encoding == "PCMU" || encoding == "PCMA" ? .g711 : .celp
        }
    }

    /// The codec.
    var codec: Codec
    /// Packet loss, percent (0…100).
    var lossPercent: Double
    /// One-way mouth-to-ear delay, milliseconds.
    var delayMilliseconds: Double
    /// Loss burstiness (1: random loss).
    var burstRatio: Double = 1

    /// Delay impairment Id.
    var delayImpairment: Double {
        let ta = max(delayMilliseconds, 0)
        return 0.024 * ta + (ta > 177.3 ? 0.11 * (ta - 177.3) : 0)
    }

    /// Effective equipment impairment Ie,eff.
    var effectiveEquipmentImpairment: Double {
        let ppl = min(max(lossPercent, 0), 100)
        return codec.ie + (95 - codec.ie) * ppl / (ppl / max(burstRatio, 1) + codec.bpl)
    }

    /// The transmission rating factor R (0…100).
    var rFactor: Double { min(max(93.2 - delayImpairment - effectiveEquipmentImpairment, 0), 100) }

    /// The estimated mean opinion score (1…4.5).
    var mos: Double { Self.mos(r: rFactor) }

    /// G.107 Annex B: R to MOS.
    static func mos(r: Double) -> Double {
        if r <= 0 { return 1 }
        if r >= 100 { return 4.5 }
        return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
    }
}
