import CPocketSphinx

extension SpeechDecoder {
    /// What one utterance decoded to.
    struct Hypothesis: Sendable, Equatable {
        /// The words, space-separated (empty when nothing was recognized).
        var text: String
        /// The posterior probability of the hypothesis, 0…1.
        var score: Double
        /// The words with their frames (10 ms each, counted from the first sample decoded).
        var words: [Word]
        /// The n best hypotheses, best first, when asked for.
        var alternatives: [String]

        static let nothing = Hypothesis(text: "", score: 0, words: [], alternatives: [])
    }

    /// One word of a hypothesis.
    struct Word: Sendable, Equatable {
        var text: String
        /// The first frame of the word.
        var startFrame: Int
        /// The frame after its last.
        var endFrame: Int
        /// Its posterior probability, 0…1.
        var confidence: Double
    }

    /// The result of the utterance just ended.
    func hypothesis(alternatives count: Int) -> Hypothesis {
        var best: Int32 = 0
        guard let text = ps_get_hyp(decoder, &best) else { return .nothing }
        let logmath = ps_get_logmath(decoder)
        let probability = logmath_exp(logmath, ps_get_prob(decoder))
        var result = Hypothesis(text: Self.clean(String(cString: text)), score: Self.unit(probability), words: [], alternatives: [])
        var segment = ps_seg_iter(decoder)
        while let current = segment {
            if let word = ps_seg_word(current), let spelled = Self.word(String(cString: word)) {
                var start: Int32 = 0, end: Int32 = 0
                ps_seg_frames(current, &start, &end)
                var acoustic: Int32 = 0, language: Int32 = 0, backoff: Int32 = 0
                let posterior = ps_seg_prob(current, &acoustic, &language, &backoff)
                result.words.append(Word(text: spelled, startFrame: Int(start), endFrame: Int(end) + 1,
                                         confidence: Self.unit(logmath_exp(logmath, posterior))))
            }
            segment = ps_seg_next(current)
        }
        if count > 1 {
            var iterator = ps_nbest(decoder)
            while let current = iterator, result.alternatives.count < count {
                var score: Int32 = 0
                if let hypothesis = ps_nbest_hyp(current, &score) {
                    let text = Self.clean(String(cString: hypothesis))
                    if !text.isEmpty, !result.alternatives.contains(text) { result.alternatives.append(text) }
                }
                iterator = ps_nbest_next(current)
            }
            if let iterator { ps_nbest_free(iterator) }
        }
        return result
    }

    /// The current partial hypothesis of an utterance in progress.
    func partialText() -> String {
        var best: Int32 = 0
        guard let text = ps_get_hyp(decoder, &best) else { return "" }
        return Self.clean(String(cString: text))
    }

    /// A dictionary word without its pronunciation variant (`read(2)` → `read`); nil for
    /// silences, sentence marks and fillers (`<sil>`, `</s>`, `[NOISE]`, `+um+`).
    static func word(_ raw: String) -> String? {
        guard let first = raw.first, !"<[+".contains(first), raw != "(NULL)" else { return nil }
        if raw.hasSuffix(")"), let open = raw.lastIndex(of: "(") { return String(raw[..<open]) }
        return raw
    }

    /// A hypothesis text with fillers and variants removed.
    static func clean(_ text: String) -> String {
        text.split(separator: " ").compactMap { word(String($0)) }.joined(separator: " ")
    }

    static func unit(_ value: Double) -> Double { min(1, max(0, value.isFinite ? value : 0)) }
}
