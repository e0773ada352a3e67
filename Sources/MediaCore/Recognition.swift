/// What a speech recognizer found in one utterance, beyond its text: the posterior of the whole
/// hypothesis, each word with its times and confidence, and the runner-up hypotheses.
///
/// Carried by ``MediaEvent/recognized(text:start:end:details:)``.
public struct Recognition: Sendable, Equatable {
    /// One recognized word.
    public struct Word: Sendable, Equatable, CustomStringConvertible {
        /// The word as the dictionary spells it (alternative pronunciations folded: `read(2)` is `read`).
        public var text: String
        /// Where the word starts, in the stream's media time.
        public var start: MediaTime
        /// Where the word ends (exclusive).
        public var end: MediaTime
        /// The word's posterior probability, 0…1.
        public var confidence: Double

        /// Creates a word.
        public init(text: String, start: MediaTime, end: MediaTime, confidence: Double) {
            self.text = text
            self.start = start
            self.end = end
            self.confidence = confidence
        }

        public var description: String {
            "\(text)@\(Self.seconds(start))–\(Self.seconds(end))(\(Self.rounded(confidence)))"
        }

        static func seconds(_ time: MediaTime) -> String {
            let ms = Int64((time.seconds * 1000).rounded())
            let fraction = String(ms % 1000)
            return "\(ms / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }

        static func rounded(_ value: Double) -> String { String((value * 1000).rounded() / 1000) }
    }

    /// The posterior probability of the whole hypothesis, 0…1.
    public var score: Double
    /// The words of the hypothesis in order, without silences and fillers.
    public var words: [Word]
    /// The n best hypotheses, best first, when more than one was asked for (empty otherwise).
    public var alternatives: [String]
    /// Whether this result is a key phrase spotted in the stream rather than a transcription.
    public var isKeyphrase: Bool

    /// Creates a result.
    public init(score: Double, words: [Word] = [], alternatives: [String] = [], isKeyphrase: Bool = false) {
        self.score = score
        self.words = words
        self.alternatives = alternatives
        self.isKeyphrase = isKeyphrase
    }
}
