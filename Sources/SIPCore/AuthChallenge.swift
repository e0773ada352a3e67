/// The generic shape of WWW-/Proxy-Authenticate and (Proxy-)Authorization values:
/// `scheme param=value, param="quoted, value", …` (RFC 3261 §25.1, RFC 7235 §2.1).
///
/// Quoted values may contain `,` and `=`; `algorithm`, `qop` (in credentials), `nc` and `stale`
/// are written unquoted, as RFC 7616 requires.
public struct AuthChallenge: Hashable, Sendable, CustomStringConvertible {
    /// The scheme (`Digest`, or anything else).
    public var scheme: String
    /// The parameters in order.
    public var parameters: HeaderParameters

    /// Creates a challenge or credentials value.
    public init(scheme: String, parameters: HeaderParameters) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// The value of `name` (case-insensitive), unquoted.
    public subscript(_ name: String) -> String? { parameters[name] }

    public var description: String {
        scheme + " " + parameters.items.map { item in
            guard let value = item.value else { return item.name }
            return item.name + "=" + (item.quoted ? quote(value) : value)
        }.joined(separator: ", ")
    }

    /// Parses one value.
    public static func parse(_ text: String) throws(SIPHeaderError) -> AuthChallenge {
        return try withBytes(text) { (bytes) throws(SIPHeaderError) -> AuthChallenge in
            var scanner = ByteScanner(bytes)
            scanner.skipLWS()
            guard let scheme = scanner.readToken() else { throw SIPHeaderError("missing authentication scheme") }
            var result = AuthChallenge(scheme: scanner.string(scheme), parameters: HeaderParameters())
            scanner.skipLWS()
            while !scanner.isAtEnd {
                guard let name = scanner.readToken() else { throw SIPHeaderError("malformed authentication parameter") }
                scanner.skipLWS()
                if scanner.consume(ASCII.equals) {
                    scanner.skipLWS()
                    if scanner.peek == ASCII.quote {
                        guard let value = scanner.readQuotedString() else {
                            throw SIPHeaderError("unterminated quoted value of '\(scanner.string(name))'")
                        }
                        result.parameters.items.append(.init(scanner.string(name), value, quoted: true))
                    } else {
                        let value = scanner.read { $0 > ASCII.space && $0 != ASCII.comma && $0 < 0x7F }
                        result.parameters.items.append(.init(scanner.string(name), scanner.string(value)))
                    }
                } else {
                    // A token68-style or unknown-scheme value without '='.
                    result.parameters.items.append(.init(scanner.string(name)))
                }
                scanner.skipLWS()
                if !scanner.consume(ASCII.comma) { break }
                scanner.skipLWS()
            }
            scanner.skipLWS()
            guard scanner.isAtEnd else { throw SIPHeaderError("unexpected text in the authentication value") }
            return result
        }
    }
}
