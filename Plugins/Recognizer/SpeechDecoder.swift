import CPocketSphinx
import Foundation

/// One pocketsphinx decoder: an acoustic model, a language model and a dictionary in memory.
///
/// Loading takes ≈ 0.3 s and tens of megabytes, so decoders are made once per process and
/// reused (``DecoderPool``). The pool lends a decoder to one thread at a time, which is what
/// makes the unchecked `Sendable` sound.
///
/// The configuration differs from pocketsphinx's defaults in three ways, all measured on the real
/// speech of `pocketsphinx-testdata` (`benchmarks/asr/`): no flat-lexicon second pass
/// (`-fwdflat no`: it cost a third of the decoding time and made more errors, markedly on
/// narrowband audio); no silence removal inside the front end (`-remove_silence no`: the
/// recognizer cuts utterances itself, and with frames dropped the word times would drift); and
/// at most 7,000 active HMMs a frame instead of 30,000 (`-maxhmmpf 7000`): on narrowband audio the
/// worse acoustic match keeps more hypotheses inside the beams, and the cap took decoding from
/// 4.1–4.8× to 6.2–6.7× real time through PCMU, PCMA and Speex NB (16 kHz: 5.9–6.9× to 7.9–8.3×)
/// with the same words recognized on every path, the flite voices included. 5,000 cost words on
/// the slt voice; `-maxwpf 20` too. Measured with the language-model search; pocketsphinx's grammar
/// search narrows its beams instead while more HMMs than the cap are active, and key-phrase
/// spotting does not read the option.
final class SpeechDecoder: @unchecked Sendable {
    let decoder: OpaquePointer
    /// Searches installed besides the language model, most recently used last (bounded).
    private var searches: [RecognitionSearch: String] = [:]
    private var searchOrder: [RecognitionSearch] = []
    private var nextSearchNumber = 0
    /// How many grammars and key phrases a decoder keeps installed before dropping the oldest.
    static let searchLimit = 16
    /// Frames per second of the model's front end (`-frate`).
    static let frameRate = 100

    /// Loads `model`; throws a message naming the file that is missing or unreadable.
    /// - Parameter live: decode audio as it arrives, normalised by the running cepstral mean;
    ///   otherwise whole utterances, each normalised by its own mean (`-cmn batch`), so what an
    ///   utterance is heard as does not depend on what the decoder heard before.
    init(model: SpeechModel, live: Bool = false) throws(RecognizerError) {
        for (what, path) in [("acoustic model", model.acousticModel), ("language model", model.languageModel),
                             ("dictionary", model.dictionary)] where !FileManager.default.fileExists(atPath: path) {
            throw RecognizerError("the speech \(what) \(path) does not exist (Debian package pocketsphinx-en-us; run `make deps`)")
        }
        SpeechDecoder.silenceLogging
        let arguments = ["recognizer", "-hmm", model.acousticModel, "-lm", model.languageModel,
                         "-dict", model.dictionary, "-logfn", "/dev/null",
                         "-fwdflat", "no", "-remove_silence", "no", "-maxhmmpf", "7000",
                         "-cmn", live ? "current" : "batch"]
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

    /// Makes `search` the active one, installing it on first use.
    func select(_ search: RecognitionSearch) throws(RecognizerError) {
        let name: String
        if case .languageModel = search {
            name = "_default"
        } else if let installed = searches[search] {
            name = installed
            searchOrder.removeAll { $0 == search }
            searchOrder.append(search)
        } else {
            name = try install(search)
        }
        guard ps_set_search(decoder, name) >= 0 else { throw RecognizerError("pocketsphinx could not switch to the search \(name)") }
    }

    private func install(_ search: RecognitionSearch) throws(RecognizerError) -> String {
        let missing = search.words.filter { word in
            guard let pronunciation = ps_lookup_word(decoder, word) else { return true }
            free(pronunciation)
            return false
        }
        if !missing.isEmpty {
            throw RecognizerError("recognizer: \(missing.map { "'\($0)'" }.joined(separator: ", ")) not in the pronunciation dictionary")
        }
        if searches.count >= Self.searchLimit, let oldest = searchOrder.first {
            searchOrder.removeFirst()
            if let name = searches.removeValue(forKey: oldest) { _ = ps_unset_search(decoder, name) }
        }
        nextSearchNumber += 1
        let name = "search\(nextSearchNumber)"
        let status: Int32
        switch search {
        case .languageModel:
            return "_default"
        case .grammarFile(let path):
            status = ps_set_jsgf_file(decoder, name, path)
            if status < 0 {
                throw RecognizerError("recognizer: the grammar \(path) could not be loaded (JSGF syntax, or a word not in the dictionary)")
            }
        case .phrases:
            status = ps_set_jsgf_string(decoder, name, search.jsgf ?? "")
            if status < 0 { throw RecognizerError("recognizer: the phrases could not be made into a grammar") }
        case .keyphrase(let phrase, let threshold):
            // kws_search_init reads the threshold from the configuration when the search is made.
            let config = ps_get_config(decoder)
            cmd_ln_set_float_r(config, "-kws_threshold", pow(10, threshold))
            status = ps_set_keyphrase(decoder, name, phrase)
            if status < 0 { throw RecognizerError("recognizer: the key phrase '\(phrase)' could not be set up") }
        }
        searches[search] = name
        searchOrder.append(search)
        return name
    }

    /// Decodes one whole utterance of 16 kHz mono audio with the active search; `alternatives`
    /// asks for the n best hypotheses.
    func decode(_ samples: [Int16], alternatives: Int = 0) -> Hypothesis {
        guard ps_start_utt(decoder) >= 0 else { return .nothing }
        // full_utt = 1: the whole utterance at once, so cepstral mean normalisation sees all of it.
        _ = samples.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 1) }
        ps_end_utt(decoder)
        return hypothesis(alternatives: alternatives)
    }
}

/// A recognizer failure, with a message for the user.
struct RecognizerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension SpeechDecoder {
    /// Starts an utterance decoded as it arrives (partial results); live cepstral mean
    /// normalisation, so the final result is decoded again in one piece.
    func startLive() {
        _ = ps_start_utt(decoder)
    }

    /// More 16 kHz audio of a live utterance.
    func processRaw(_ samples: [Int16]) {
        _ = samples.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 0) }
    }

    /// Ends a live utterance (its result is not used).
    func endLive() {
        _ = ps_end_utt(decoder)
    }
}
