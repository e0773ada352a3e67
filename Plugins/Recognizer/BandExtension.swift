import DSP

/// Prepares narrowband (8 kHz telephone) speech for the wideband-only en-us acoustic model.
///
/// Upsampled narrowband speech leaves the 4–8 kHz band empty, where the model's filterbank was
/// trained on speech energy. This fills the band by spectral folding: the 0–4 kHz spectrum
/// mirrored about 4 kHz (multiplying by (−1)ⁿ at 16 kHz maps f to 8 kHz − f), high-passed and
/// 20 dB down. Unlike a fixed noise floor, the folded band follows the speech, so fricatives and
/// pauses keep their contrast.
///
/// Measured here on 10 flite sentences × 2 voices (rms, slt) through resample → PCMU →
/// recognizer, sentences without a word error: folding 12/20, plain half-band upsampling 11/20,
/// a −50 dBFS noise floor 9/20; the same sentences at 16 kHz 17/20. The gain over plain
/// upsampling is small; most of what narrowband loses is not recoverable this way.
struct BandExtension {
    private let upsampler = HalfBandUpsampler(halfLength: 16)
    /// The gain of the folded band (0.1 = −20 dB).
    let foldGain: Double

    init(foldGain: Double = 0.1) {
        self.foldGain = foldGain
    }

    /// 16 kHz speech from 8 kHz speech, with the upper band filled.
    func widen(_ narrowband: [Int16]) -> [Int16] {
        let base = upsampler.upsample(narrowband)
        var wide = base
        // Four cascaded Butterworth sections keep the fold out of the original band (≈ 48 dB/octave).
        var filters = (0..<4).map { _ in Biquad.highPass(cutoff: 4_400, sampleRate: 16_000) }
        for i in base.indices {
            var folded = Double(base[i]) * (i & 1 == 0 ? foldGain : -foldGain)
            for f in filters.indices { folded = filters[f].process(folded) }
            wide[i] = Int16(clamping: Int(base[i]) + Int(folded.rounded()))
        }
        return wide
    }
}
