import CPocketSphinx
import Foundation

/// One pocketsphinx decoder: an acoustic model, a language model and a dictionary in memory.
///
/// Loading takes ≈ 0.3 s and tens of megabytes, so decoders are made once per process and
/// reused (``DecoderPool``). The pool lends a decoder to one thread at a time, which is what
/// makes the unchecked `Sendable` sound.
final class SpeechDecoder: @unchecked Sendable {
    private let decoder: OpaquePointer

    /// What one utterance decoded to.
    struct Hypothesis: Sendable, Equatable {
        /// The words, space-separated (empty when nothing was recognized).
        var text: String
        /// The posterior probability of the hypothesis, 0…1.
        var score: Double
    }

    /// Loads `model`; throws a message naming the file that is missing or unreadable.
    init(model: SpeechModel) throws(RecognizerError) {
        for (what, path) in [("acoustic model", model.acousticModel), ("language model", model.languageModel),
                             ("dictionary", model.dictionary)] where !FileManager.default.fileExists(atPath: path) {
            throw RecognizerError("the speech \(what) \(path) does not exist (Debian package pocketsphinx-en-us; run `make deps`)")
        }
        SpeechDecoder.silenceLogging
        let arguments = ["recognizer", "-hmm", model.acousticModel, "-lm", model.languageModel,
                         "-dict", model.dictionary, "-logfn", "/dev/null"]
        var cArguments = arguments.map { strdup($0) }
        defer { cArguments.forEach { free($0) } }
        // cmd_ln_parse_r skips argv[0], like a program's command line.
        let config = cArguments.withUnsafeMutableBufferPointer {
            cmd_ln_parse_r(nil, ps_args(), Int32($0.count), $0.baseAddress, 1)
        }
        guard let config else { throw RecognizerError("pocketsphinx rejected its configuration") }
        defer { cmd_ln_free_r(config) }
        guard let decoder = ps_init(config) else {
            throw RecognizerError("pocketsphinx could not load the model in \(model.acousticModel)")
        }
        self.decoder = decoder
    }

    deinit { ps_free(decoder) }

    /// pocketsphinx logs to stderr until told otherwise; once per process.
    private static let silenceLogging: Void = { err_set_logfp(nil) }()

    /// Decodes one whole utterance of 16 kHz mono audio.
    func decode(_ samples: [Int16]) -> Hypothesis {
        guard ps_start_utt(decoder) >= 0 else { return Hypothesis(text: "", score: 0) }
        // full_utt = 1: the whole utterance at once, so cepstral mean normalisation sees all of it.
        _ = samples.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 1) }
        ps_end_utt(decoder)
        var best: Int32 = 0
        guard let hypothesis = ps_get_hyp(decoder, &best) else { return Hypothesis(text: "", score: 0) }
        let probability = logmath_exp(ps_get_logmath(decoder), ps_get_prob(decoder))
        return Hypothesis(text: String(cString: hypothesis), score: min(1, max(0, probability)))
    }
}

/// A recognizer failure, with a message for the user.
struct RecognizerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
