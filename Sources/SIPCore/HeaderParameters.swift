/// The `;name[=value]` parameters after a header value (RFC 3261 §7.3.1 `generic-param`).
public struct HeaderParameters: Hashable, Sendable, CustomStringConvertible {
    /// A parameter; values keep their quotes removed (quoted values are unescaped).
    public struct Parameter: Hashable, Sendable {
        /// The name as written.
        public var name: String
        /// The value, or nil for a flag.
        public var value: String?
        /// Whether the value was (and is written back) quoted.
        public var quoted: Bool

        /// Creates a parameter.
        public init(_ name: String, _ value: String? = nil, quoted: Bool = false) {
            self.name = name
            self.value = value
            self.quoted = quoted
        }
    }

    /// The parameters in order.
    public var items: [Parameter]

    /// Creates a parameter list.
    public init(_ items: [Parameter] = []) { self.items = items }

    /// The value of `name` (case-insensitive); `""` for a flag; nil when absent.
    public subscript(_ name: String) -> String? {
        get {
            guard let item = items.first(where: { $0.name.caseInsensitiveEquals(name) }) else { return nil }
            return item.value ?? ""
        }
        set {
            if let index = items.firstIndex(where: { $0.name.caseInsensitiveEquals(name) }) {
                if let newValue { items[index].value = newValue } else { items.remove(at: index) }
            } else if let newValue {
                items.append(Parameter(name, newValue))
            }
        }
    }

    /// Whether `name` is present.
    public func contains(_ name: String) -> Bool { items.contains { $0.name.caseInsensitiveEquals(name) } }

    /// Adds a valueless parameter (`;lr`, `;rport`).
    public mutating func setFlag(_ name: String) {
        if !contains(name) { items.append(Parameter(name)) }
    }

    /// `;a=b;c;d="e f"`.
    public var description: String {
        items.map { item in
            guard let value = item.value else { return ";" + item.name }
            return ";" + item.name + "=" + (item.quoted ? quote(value) : value)
        }.joined()
    }

    /// Parses `*( SEMI generic-param )` at the scanner; stops at a comma or the end.
    static func parse(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> HeaderParameters {
        var result = HeaderParameters()
        while true {
            scanner.skipLWS()
            guard scanner.consume(ASCII.semicolon) else { return result }
            scanner.skipLWS()
            guard let name = scanner.readToken() else { throw SIPHeaderError("empty or malformed parameter after ';'") }
            let nameText = scanner.interned(name)
            scanner.skipLWS()
            if scanner.consume(ASCII.equals) {
                scanner.skipLWS()
                if scanner.peek == ASCII.quote {
                    guard let value = scanner.readQuotedString() else {
                        throw SIPHeaderError("unterminated quoted value of parameter '\(nameText)'")
                    }
                    result.items.append(Parameter(nameText, value, quoted: true))
                } else if scanner.peek == ASCII.leftBracket {
                    // An IPv6 reference (received=[2001:db8::9:255], RFC 5118 §4.5).
                    let start = scanner.index
                    _ = scanner.read { $0 != ASCII.rightBracket && $0 != ASCII.semicolon && $0 != ASCII.comma }
                    guard scanner.consume(ASCII.rightBracket) else { throw SIPHeaderError("unterminated '[' in parameter '\(nameText)'") }
                    result.items.append(Parameter(nameText, scanner.string(start..<scanner.index)))
                } else {
                    // token, host (IPv4/IPv6 without brackets, RFC 5118 §4.5) or a quoted-less word.
                    let value = scanner.read { ASCII.isToken($0) || $0 == ASCII.colon || $0 == ASCII.leftBracket
                        || $0 == ASCII.rightBracket || $0 == ASCII.slash }
                    guard !value.isEmpty else { throw SIPHeaderError("parameter '\(nameText)' has an empty value") }
                    result.items.append(Parameter(nameText, scanner.string(value)))
                }
            } else {
                result.items.append(Parameter(nameText))
            }
        }
    }
}

/// `"text"` with `"` and `\` escaped.
func quote(_ text: String) -> String {
    var out = "\""
    for c in text {
        if c == "\"" || c == "\\" { out.append("\\") }
        out.append(c)
    }
    return out + "\""
}

/// A header value that does not follow its grammar.
public struct SIPHeaderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
