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
    }

    /// The parameters in order.
    public var items: [Parameter]

    /// The value of `name` (case-insensitive); `""` for a flag; nil when absent.
    public subscript(_ name: String) -> String? {
        get {
            // By index: `first(where:)` would copy each parameter it looks at.
            for index in items.indices where items[index].name.caseInsensitiveEquals(name) { return items[index].value ?? "" }
            return nil
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
        var items: [Parameter] = []
        while true {
            scanner.skipLWS()
            guard scanner.consume(ASCII.semicolon) else { return HeaderParameters(items: items) }
            scanner.skipLWS()
            guard let name = scanner.readToken() else { throw SIPHeaderError("empty or malformed parameter after ';'") }
            let nameText = scanner.interned(name)
            // Room for the usual few (branch, rport, received): one allocation, not one per append.
            if items.isEmpty { items.reserveCapacity(4) }
            scanner.skipLWS()
            if scanner.consume(ASCII.equals) {
                scanner.skipLWS()
                if scanner.peek == ASCII.quote {
                    guard let value = scanner.readQuotedString() else {
                        throw SIPHeaderError("unterminated quoted value of parameter '\(nameText)'")
                    }
                    items.append(Parameter(name: nameText, value: value, quoted: true))
                } else if scanner.peek == ASCII.leftBracket {
                    // An IPv6 reference (received=[2001:db8::9:255], RFC 5118 §4.5).
                    let start = scanner.index
                    _ = scanner.read { $0 != ASCII.rightBracket && $0 != ASCII.semicolon && $0 != ASCII.comma }
                    guard scanner.consume(ASCII.rightBracket) else { throw SIPHeaderError("unterminated '[' in parameter '\(nameText)'") }
                    items.append(Parameter(name: nameText, value: scanner.string(start..<scanner.index), quoted: false))
                } else {
                    // token, host (IPv4/IPv6 without brackets, RFC 5118 §4.5) or a quoted-less word.
                    let value = scanner.read { ASCII.isToken($0) || $0 == ASCII.colon || $0 == ASCII.leftBracket
                        || $0 == ASCII.rightBracket || $0 == ASCII.slash }
                    guard !value.isEmpty else { throw SIPHeaderError("parameter '\(nameText)' has an empty value") }
                    items.append(Parameter(name: nameText, value: scanner.string(value), quoted: false))
                }
            } else {
                items.append(Parameter(name: nameText, value: nil, quoted: false))
            }
        }
    }
}

// Initializers in extensions keep the synthesized memberwise ones for the parser (see SIPURI).
extension HeaderParameters {
    /// Creates a parameter list.
    public init(_ items: [Parameter] = []) { self.init(items: items) }
}

extension HeaderParameters.Parameter {
    /// Creates a parameter.
    public init(_ name: String, _ value: String? = nil, quoted: Bool = false) {
        self.init(name: name, value: value, quoted: quoted)
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
