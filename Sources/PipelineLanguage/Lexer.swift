import MediaCore

/// Splits pipeline text into tokens.
///
/// The language follows `gst-launch-1.0`: `type key=value … ! type …`. Whitespace (newlines
/// included) separates tokens; `#` starts a comment where a token could start; values may be
/// quoted with `"` or `'` (backslash escapes `\"`, `\\`, `\n`, `\t`). Bare values are typed:
/// `true`/`false`, numbers with units (`20ms`, `8kHz`, `-6dB`, `5%`), or words.
public struct Lexer {
    private let text: [Character]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    /// Creates a lexer over `text`; `file` names it in diagnostics (`<pipeline>` for inline text).
    public init(_ text: String, file: String = "<pipeline>") {
        self.text = Array(text)
        self.file = file
    }

    /// All tokens.
    /// - Throws: ``PipelineSyntaxError`` at the first malformed token.
    public mutating func tokenize() throws(PipelineSyntaxError) -> [Token] {
        var tokens: [Token] = []
        while true {
            skipTrivia()
            guard let c = peek else { return tokens }
            let start = location
            if c == "!" {
                advance()
                tokens.append(Token(kind: .link, location: start))
                continue
            }
            if c == "\"" || c == "'" {
                throw PipelineSyntaxError(start, "a quoted string must be a parameter value, as in `text=\"hello\"`")
            }
            let word = readBare()
            tokens.append(try classify(word, at: start))
        }
    }

    // MARK: - Tokens

    private mutating func classify(_ word: String, at start: SourceLocation) throws(PipelineSyntaxError) -> Token {
        if let eq = word.firstIndex(of: "=") {
            let key = String(word[..<eq])
            guard Self.isName(key) else {
                throw PipelineSyntaxError(start, "'\(key)' is not a parameter name (letters, digits and '-')")
            }
            var valueLocation = start
            valueLocation.column += key.count + 1
            let rest = String(word[word.index(after: eq)...])
            let value: ParameterValue
            if rest.isEmpty, let q = peek, q == "\"" || q == "'" {
                value = .string(try readQuoted())
            } else if rest.isEmpty {
                throw PipelineSyntaxError(valueLocation, "parameter '\(key)' has no value after '='")
            } else {
                value = try Self.typedValue(rest, at: valueLocation)
            }
            return Token(kind: .property(key: key, value: value, valueLocation: valueLocation), location: start)
        }
        if word.hasPrefix("@") {
            let name = String(word.dropFirst())
            guard Self.isName(name) else { throw PipelineSyntaxError(start, "'\(word)' is not a valid slot name") }
            return Token(kind: .slot(name), location: start)
        }
        if let dot = word.firstIndex(of: ".") {
            let name = String(word[..<dot])
            let port = String(word[word.index(after: dot)...])
            guard Self.isName(name), port.isEmpty || Self.isName(port) else {
                throw PipelineSyntaxError(start, "'\(word)' is neither a node type nor a reference like `t.` or `t.src_0`")
            }
            return Token(kind: .reference(name: name, port: port.isEmpty ? nil : port), location: start)
        }
        guard Self.isName(word) else {
            throw PipelineSyntaxError(start, "unexpected '\(word)'; expected a node type, `name.`, `@slot` or `key=value`")
        }
        return Token(kind: .word(word), location: start)
    }

    static func isName(_ s: String) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    /// Types a bare value: boolean, number with optional unit, or word.
    static func typedValue(_ raw: String, at location: SourceLocation) throws(PipelineSyntaxError) -> ParameterValue {
        switch raw.lowercased() {
        case "true", "yes", "on": return .bool(true)
        case "false", "no", "off": return .bool(false)
        default: break
        }
        let chars = Array(raw)
        var i = 0
        if i < chars.count, chars[i] == "+" || chars[i] == "-" { i += 1 }
        let digitsStart = i
        var sawDigit = false, sawDot = false
        while i < chars.count, chars[i].isASCII, chars[i].isNumber || (chars[i] == "." && !sawDot) {
            if chars[i] == "." { sawDot = true } else { sawDigit = true }
            i += 1
        }
        guard sawDigit, i > digitsStart else { return .string(raw) }
        let numberText = String(chars[0..<i])
        let unit = String(chars[i...])
        guard let number = Double(numberText) else { return .string(raw) }
        if unit.isEmpty {
            if !sawDot, let integer = Int(numberText) { return .int(integer) }
            return .double(number)
        }
        guard unit.allSatisfy({ $0.isLetter || $0 == "%" || $0 == "µ" }) else { return .string(raw) }
        switch unit {
        case "ns": return .duration(.nanoseconds(Int64(number.rounded())))
        case "us", "µs": return .duration(.nanoseconds(Int64((number * 1e3).rounded())))
        case "ms": return .duration(.nanoseconds(Int64((number * 1e6).rounded())))
        case "s", "sec": return .duration(.nanoseconds(Int64((number * 1e9).rounded())))
        case "min": return .duration(.nanoseconds(Int64((number * 60e9).rounded())))
        case "h": return .duration(.nanoseconds(Int64((number * 3600e9).rounded())))
        case "Hz", "hz": return .frequency(number)
        case "kHz", "khz", "KHz": return .frequency(number * 1000)
        case "MHz": return .frequency(number * 1e6)
        case "dB", "db": return .decibels(number)
        case "%": return .percent(number / 100)
        default:
            let units = ["ms", "s", "us", "min", "kHz", "Hz", "dB", "%"]
            let hint = Suggestion.closest(to: unit, in: units).map { "; did you mean '\(numberText)\($0)'?" } ?? ""
            throw PipelineSyntaxError(location, "unknown unit '\(unit)' in '\(raw)'\(hint) (units: ms, s, us, min, Hz, kHz, dB, %)")
        }
    }

    // MARK: - Characters

    private var peek: Character? { index < text.count ? text[index] : nil }

    private var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    private mutating func advance() {
        if text[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipTrivia() {
        while let c = peek {
            if c == "#" {
                while let d = peek, d != "\n" { advance() }
            } else if c.isWhitespace || c == "\\" && index + 1 < text.count && text[index + 1].isNewline {
                advance()
            } else {
                return
            }
        }
    }

    /// Reads up to whitespace or `!`; a `key=` followed by a quote stops before the quote.
    private mutating func readBare() -> String {
        var word = ""
        while let c = peek, !c.isWhitespace, c != "!" {
            if (c == "\"" || c == "'"), word.hasSuffix("=") { break }
            word.append(c)
            advance()
        }
        return word
    }

    private mutating func readQuoted() throws(PipelineSyntaxError) -> String {
        let start = location
        let quote = text[index]
        advance()
        var value = ""
        while let c = peek {
            advance()
            if c == quote { return value }
            if c == "\\", let next = peek {
                advance()
                switch next {
                case "n": value.append("\n")
                case "t": value.append("\t")
                default: value.append(next)
                }
            } else {
                value.append(c)
            }
        }
        throw PipelineSyntaxError(start, "unterminated string: missing closing \(quote)")
    }
}
