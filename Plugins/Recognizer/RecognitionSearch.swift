import Foundation

/// What a recognizer listens for: free speech (the n-gram language model), a JSGF grammar from a
/// file, a list of phrases (a grammar built on the fly), or a key phrase to spot.
enum RecognitionSearch: Hashable, Sendable {
    /// Any English sentence (the model's n-gram language model).
    case languageModel
    /// A JSGF grammar file (`recognizer grammar=menu.gram`).
    case grammarFile(String)
    /// Exactly one of these phrases per utterance (`phrases="press one for sales|goodbye"`).
    case phrases([String])
    /// A key phrase spotted anywhere in the speech; `threshold` is the detection threshold as a
    /// power of ten (pocketsphinx's `-kws_threshold 1e-20` is −20).
    case keyphrase(String, threshold: Double)

    /// Builds the search from the node's parameters; at most one of grammar, phrases and keyphrase.
    init(grammar: String?, phrases: String?, keyphrase: String?, threshold: Double) throws(RecognizerError) {
        let given = [("grammar", grammar), ("phrases", phrases), ("keyphrase", keyphrase)].filter { $0.1 != nil }
        if given.count > 1 {
            throw RecognizerError("recognizer: give only one of grammar=, phrases= and keyphrase= (got \(given.map(\.0).joined(separator: ", ")))")
        }
        if let grammar {
            guard FileManager.default.fileExists(atPath: grammar) else {
                throw RecognizerError("recognizer: the grammar file \(grammar) does not exist")
            }
            self = .grammarFile(grammar)
        } else if let phrases {
            let list = phrases.split(separator: "|").map { Self.normalize(String($0)) }.filter { !$0.isEmpty }
            guard !list.isEmpty else { throw RecognizerError("recognizer: phrases=\"\(phrases)\" has no phrase; separate phrases with |") }
            self = .phrases(list)
        } else if let keyphrase {
            let phrase = Self.normalize(keyphrase)
            guard !phrase.isEmpty else { throw RecognizerError("recognizer: keyphrase= is empty") }
            self = .keyphrase(phrase, threshold: threshold)
        } else {
            self = .languageModel
        }
    }

    /// The words a phrase or key phrase uses (each must be in the dictionary).
    var words: [String] {
        switch self {
        case .languageModel, .grammarFile: []
        case .phrases(let list): list.flatMap { $0.split(separator: " ").map(String.init) }
        case .keyphrase(let phrase, _): phrase.split(separator: " ").map(String.init)
        }
    }

    /// The JSGF text of a phrase list: one public rule with one alternative per phrase.
    var jsgf: String? {
        guard case .phrases(let list) = self else { return nil }
        return "#JSGF V1.0;\ngrammar phrases;\npublic <phrase> = " + list.map { "( \($0) )" }.joined(separator: " | ") + ";\n"
    }

    /// Lower case, letters, digits and apostrophes only, single spaces: how the dictionary spells words.
    static func normalize(_ text: String) -> String {
        let kept = text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "'" ? $0 : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }
}
