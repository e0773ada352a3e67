/// The files of a pocketsphinx model: acoustic model directory, language model, dictionary.
public struct SpeechModel: Hashable, Sendable {
    /// The acoustic model directory (`-hmm`).
    public var acousticModel: String
    /// The n-gram language model (`-lm`).
    public var languageModel: String
    /// The pronunciation dictionary (`-dict`).
    public var dictionary: String

    /// Debian's US English model (package pocketsphinx-en-us).
    public static let englishUS = SpeechModel(
        acousticModel: "/usr/share/pocketsphinx/model/en-us/en-us",
        languageModel: "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin",
        dictionary: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict")

    /// Creates a model description.
    public init(acousticModel: String, languageModel: String, dictionary: String) {
        self.acousticModel = acousticModel
        self.languageModel = languageModel
        self.dictionary = dictionary
    }

    /// The sample rate the en-us acoustic model was trained on; it has no narrowband variant.
    public static let sampleRate = 16_000
}
