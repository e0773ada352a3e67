/// A `name-addr` or `addr-spec` with header parameters: the value of From, To, Contact,
/// Route, Record-Route, Reply-To (RFC 3261 §20.10, §25.1).
///
/// ```
/// "Bob \"the builder\"" <sip:bob@example.com>;tag=a48s   →  displayName "Bob \"the builder\"",
///                                                           uri sip:bob@example.com, tag "a48s"
/// ```
/// Without angle brackets, `;params` belong to the header, not the URI (RFC 3261 §20.10).
public struct NameAddress: Hashable, Sendable, CustomStringConvertible {
    // `uri` is declared first so that the synthesized memberwise initializer, which the parser
    // uses, is `init(uri:displayName:parameters:)` and does not clash with the public one below
    // (see the note in SIPURI on why the parser avoids explicit initializers).

    /// The address.
    public var uri: SIPURI
    /// The display name, unquoted and unescaped.
    public var displayName: String?
    /// Header parameters (`tag`, `expires`, `q`, `lr`…).
    public var parameters: HeaderParameters

    /// The `tag` parameter (From/To, RFC 3261 §19.3).
    public var tag: String? {
        get { parameters["tag"] }
        set { parameters["tag"] = newValue }
    }

    /// Always written with angle brackets (safe for any URI).
    public var description: String {
        var out = ""
        if let displayName, !displayName.isEmpty {
            out += displayName.utf8.allSatisfy({ ASCII.isToken($0) }) ? displayName + " " : quote(displayName) + " "
        }
        return out + "<" + uri.description + ">" + parameters.description
    }

    /// Parses a name-addr (`"Bob" <sip:bob@example.com>;tag=1`) or addr-spec (`sip:bob@example.com`).
    public static func parse(_ text: String) throws(SIPHeaderError) -> NameAddress {
        try withBytes(text) { (bytes) throws(SIPHeaderError) -> NameAddress in
            var scanner = ByteScanner(bytes)
            let value = try parse(&scanner)
            scanner.skipLWS()
            guard scanner.isAtEnd else { throw SIPHeaderError("unexpected text after the address in '\(text)'") }
            return value
        }
    }

    /// Parses one name-addr or addr-spec at the scanner (stops before a top-level comma).
    static func parse(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> NameAddress {
        scanner.skipLWS()
        var displayName: String?
        let start = scanner.index
        if scanner.peek == ASCII.quote {
            guard let quoted = scanner.readQuotedString() else {
                throw SIPHeaderError("unterminated quoted display name")
            }
            displayName = quoted
            scanner.skipLWS()
            guard scanner.peek == ASCII.less else { throw SIPHeaderError("a quoted display name must be followed by <URI>") }
        } else {
            // Either `*(token LWS) <addr>` or an addr-spec. Look for '<' before any ',' or ';'.
            var probe = scanner
            var sawLess = false
            while let c = probe.peek, c != ASCII.comma, c != ASCII.semicolon {
                if c == ASCII.less {
                    sawLess = true
                    break
                }
                probe.advance()
            }
            if sawLess {
                var words: [String] = []
                while scanner.peek != ASCII.less {
                    guard let token = scanner.readToken() else {
                        throw SIPHeaderError("display name has characters that need quotes; write it as \"…\"")
                    }
                    words.append(scanner.string(token))
                    scanner.skipLWS()
                }
                displayName = words.isEmpty ? nil : words.joined(separator: " ")
            }
        }
        let uri = try parseAddress(&scanner, start: start)
        let parameters = try HeaderParameters.parse(&scanner)
        return NameAddress(uri: uri, displayName: displayName, parameters: parameters)
    }

    /// The URI of a name-addr (`<…>`) or an addr-spec, at the scanner.
    private static func parseAddress(_ scanner: inout ByteScanner, start: Int) throws(SIPHeaderError) -> SIPURI {
        let uriRange: Range<Int>
        if scanner.consume(ASCII.less) {
            let uriStart = scanner.index
            guard let close = scanner.firstIndex(of: ASCII.greater) else { throw SIPHeaderError("missing '>' after the URI") }
            uriRange = uriStart..<close
            scanner.index = close + 1
        } else {
            // addr-spec: it may not contain ',', ';' or '?' (RFC 3261 §20.10), nor white space.
            uriRange = scanner.read { $0 > ASCII.space && $0 != ASCII.comma && $0 != ASCII.semicolon && $0 < 0x7F }
            guard !uriRange.isEmpty else {
                throw SIPHeaderError(start == scanner.index ? "missing address" : "malformed address")
            }
            if scanner.bytes[uriRange].contains(ASCII.question) {
                throw SIPHeaderError("a URI with headers (?…) must be enclosed in < >")
            }
        }
        do {
            return try SIPURI.parse(scanner.bytes, uriRange)
        } catch {
            throw SIPHeaderError("bad URI: \(error.message)")
        }
    }
}

extension NameAddress {
    /// Creates a name-address.
    public init(displayName: String? = nil, uri: SIPURI, parameters: HeaderParameters = HeaderParameters()) {
        self.init(uri: uri, displayName: displayName, parameters: parameters)
    }
}
