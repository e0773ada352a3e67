import ArgumentParser
import Foundation

/// `callwire score REF.txt HYP.txt`: word error rate of a transcription, with the alignment.
struct ScoreCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Print the word error rate of a transcription against a reference, with the alignment.",
        discussion: """
        Each file has one utterance per line. Lines may end in an utterance id in parentheses, as \
        pocketsphinx transcriptions do (`<s> ten of clubs </s> (001)`): when both files have ids, \
        utterances are paired by id, otherwise by line. Words are compared in lower case without \
        punctuation; <s>, </s> and <sil> are ignored. Exit status 1 when a file cannot be read or \
        the files do not pair up.

          callwire score cards.transcription cards.hyp
        """)

    @Argument(help: "The reference transcript.")
    var reference: String

    @Argument(help: "The hypothesis (what the recognizer heard).")
    var hypothesis: String

    @Flag(help: "Print only the summary line.")
    var summary = false

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        let references = try Self.read(reference), hypotheses = try Self.read(hypothesis)
        let pairs = try Self.pair(references, hypotheses, referenceFile: reference, hypothesisFile: hypothesis)
        var words = 0, substitutions = 0, deletions = 0, insertions = 0, wrong = 0
        for (label, ref, hyp) in pairs {
            let alignment = WordAlignment(reference: ref, hypothesis: hyp)
            words += alignment.referenceWords
            substitutions += alignment.substitutions
            deletions += alignment.deletions
            insertions += alignment.insertions
            if alignment.errors > 0 { wrong += 1 }
            guard !summary else { continue }
            let lines = alignment.lines
            environment.out("\(label): \(alignment.errors) error(s) in \(alignment.referenceWords) word(s)")
            environment.out("  REF: \(lines.reference)")
            environment.out("  HYP: \(lines.hypothesis)")
        }
        let errors = substitutions + deletions + insertions
        let rate = words == 0 ? 0 : Double(errors) / Double(words) * 100
        environment.out("WER \(Self.percent(rate)) (\(errors) errors in \(words) words: \(substitutions) substitutions, "
                        + "\(deletions) deletions, \(insertions) insertions; \(wrong) of \(pairs.count) utterances with errors)")
        return ExitStatus.success
    }

    static func percent(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return String(format: "%.1f %%", tenths)
    }

    /// One line of a transcript file: its words and its id, if it ends in one.
    struct Line: Equatable {
        var words: [String]
        var id: String?
    }

    static func read(_ path: String) throws -> [Line] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure.error("cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure.error("\(path) is not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // A file ending in a newline has no empty last utterance (an empty line elsewhere is one:
        // nothing was recognized).
        if lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        return lines.map { parse(String($0)) }
    }

    /// Splits off a trailing `(id)` (its first word: decoders write `(001 -3466)` with a score)
    /// and normalises the words.
    static func parse(_ raw: String) -> Line {
        var text = raw.trimmingCharacters(in: .whitespaces)
        var id: String?
        if text.hasSuffix(")"), let open = text.lastIndex(of: "(") {
            id = text[text.index(after: open)..<text.index(before: text.endIndex)].split(separator: " ").first.map(String.init) ?? ""
            text = String(text[..<open])
        }
        let words = text.lowercased().split(separator: " ").map { word in
            String(word.filter { $0.isLetter || $0.isNumber || $0 == "'" || $0 == "<" || $0 == ">" || $0 == "/" })
        }.filter { !$0.isEmpty && !["<s>", "</s>", "<sil>"].contains($0) }
            .map { $0.filter { $0 != "<" && $0 != ">" && $0 != "/" } }.filter { !$0.isEmpty }
        return Line(words: words, id: id)
    }

    static func pair(_ references: [Line], _ hypotheses: [Line], referenceFile: String,
                     hypothesisFile: String) throws -> [(String, [String], [String])] {
        if references.allSatisfy({ $0.id != nil }), hypotheses.allSatisfy({ $0.id != nil }), !references.isEmpty {
            let byID = Dictionary(hypotheses.map { ($0.id!, $0.words) }, uniquingKeysWith: { first, _ in first })
            let missing = references.compactMap(\.id).filter { byID[$0] == nil }
            if !missing.isEmpty {
                throw CommandFailure.error("\(hypothesisFile) has no line for \(missing.prefix(5).map { "(\($0))" }.joined(separator: ", "))")
            }
            return references.map { ($0.id!, $0.words, byID[$0.id!]!) }
        }
        guard references.count == hypotheses.count else {
            throw CommandFailure.error("\(referenceFile) has \(references.count) line(s) but \(hypothesisFile) has \(hypotheses.count); "
                                       + "give both the same number of lines or end each line in an (id)")
        }
        return zip(references, hypotheses).enumerated().map { index, pair in
            (pair.0.id ?? "line \(index + 1)", pair.0.words, pair.1.words)
        }
    }
}
