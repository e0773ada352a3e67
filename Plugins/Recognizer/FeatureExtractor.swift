import CPocketSphinx

/// The cepstral front end for narrowband (telephone) speech, run outside the decoder.
///
/// The decoder's own front end subtracts a tracked noise floor in every mel band before the log
/// (`-remove_noise`). In upsampled 8 kHz audio the bands above 4 kHz hold only the resampler's
/// residue, and subtracting a floor from a floor turns that near-silence into large random log
/// values: on the 92 words of real speech in `pocketsphinx-testdata` through µ-law, turning the
/// subtraction off for narrowband audio took the word error rate from 29.3 % to 27.2 % (on the
/// 16 kHz originals it costs 22.8 % → 26.1 %, so wideband audio keeps it). This front end uses the
/// model's own analysis parameters (`feat.params`: mel range, filters, transform, lifter) with the
/// subtraction off, and its cepstra go to the decoder through `ps_process_cep`, so one loaded
/// model serves both kinds of input.
final class FeatureExtractor {
    private let frontEnd: OpaquePointer
    /// Coefficients per frame.
    let width: Int

    /// A front end with the analysis parameters of `decoder`'s configuration.
    init?(matching decoder: OpaquePointer) {
        guard let config = ps_get_config(decoder) else { return nil }
        // fe_init_auto_r reads the values once; the decoder's own front end was made at ps_init.
        let before = cmd_ln_int_r(config, "-remove_noise")
        cmd_ln_set_int_r(config, "-remove_noise", 0)
        defer { cmd_ln_set_int_r(config, "-remove_noise", before) }
        guard let frontEnd = fe_init_auto_r(config) else { return nil }
        self.frontEnd = frontEnd
        width = Int(fe_get_output_size(frontEnd))
    }

    deinit { fe_free(frontEnd) }

    /// Starts an utterance (the analysis window starts afresh).
    func start() { fe_start_utt(frontEnd) }

    /// The cepstra of the next part of an utterance, one row of ``width`` values per 10 ms frame.
    /// Samples that do not fill a frame are kept for the next call or for ``finish()``.
    func process(_ samples: [Int16]) -> [Float] {
        var frames: Int32 = 0
        var block: UnsafeMutablePointer<UnsafeMutablePointer<mfcc_t>?>?
        samples.withUnsafeBufferPointer { buffer in
            _ = fe_process_utt(frontEnd, buffer.baseAddress, buffer.count, &block, &frames)
        }
        guard let block else { return [] }
        defer { fe_free_2d(block) }
        guard frames > 0, let first = block[0] else { return [] }
        // ckd_calloc_2d keeps the rows in one contiguous allocation.
        return Array(UnsafeBufferPointer(start: first, count: Int(frames) * width))
    }

    /// Ends the utterance: the last, partly filled frame, if any.
    func finish() -> [Float] {
        var last = [mfcc_t](repeating: 0, count: width)
        var frames: Int32 = 0
        fe_end_utt(frontEnd, &last, &frames)
        return frames > 0 ? last : []
    }
}
