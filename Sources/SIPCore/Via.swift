/// One `via-parm` of a Via header (RFC 3261 §20.42, RFC 3581 rport).
///
/// ```
/// SIP/2.0/UDP pc33.example.com:5066;branch=z9hG4bK776asdhds;rport;received=192.0.2.1
/// ```
public struct Via: Hashable, Sendable, CustomStringConvertible {
    /// The magic cookie that marks an RFC 3261 branch (§8.1.1.7).
    public static let branchCookie = "z9hG4bK"

    /// The protocol name and version (`SIP/2.0`).
    public var protocolName: String
    /// The protocol version (`2.0`).
    public var protocolVersion: String
    /// The transport, upper-cased (`UDP`, `TCP`, `TLS`, `SCTP`, or anything else).
    public var transport: String
    /// The `sent-by` host (IPv6 without brackets).
    public var host: String
    /// The `sent-by` port, if given.
    public var port: Int?
    /// All parameters, in order.
    public var parameters: HeaderParameters

    /// The transaction identifier.
    public var branch: String? {
        get { parameters["branch"] }
        set { parameters["branch"] = newValue }
    }

    /// Whether the branch carries the RFC 3261 cookie and something after it, so transactions
    /// match by branch; otherwise the RFC 2543 rules apply (RFC 3261 §17.2.3, RFC 4475 §3.2.1).
    public var hasRFC3261Branch: Bool {
        guard let branch, branch.hasPrefix(Self.branchCookie) else { return false }
        return branch.utf8.count > Self.branchCookie.utf8.count
    }

    /// The `received` parameter (the source address a server saw, §18.2.1), brackets removed.
    public var received: String? {
        get { parameters["received"].map(Self.stripBrackets) }
        set { parameters["received"] = newValue }
    }

    /// The `rport` parameter (RFC 3581): `.requested` when present without a value.
    public var rport: RPort? {
        guard let value = parameters["rport"] else { return nil }
        if value.isEmpty { return .requested }
        return Int(value).map(RPort.port)
    }

    /// RFC 3581 `rport` states.
    public enum RPort: Hashable, Sendable {
        /// The client asks for the source port (`;rport`).
        case requested
        /// The server filled in the source port (`;rport=5060`).
        case port(Int)
    }

    /// The `maddr` parameter.
    public var maddr: String? { parameters["maddr"].map(Self.stripBrackets) }

    /// The `ttl` parameter (0–255).
    public var ttl: Int? { parameters["ttl"].flatMap { Int($0) } }

    /// `sent-by` as written: `host[:port]` with IPv6 brackets.
    public var sentBy: String { host.hostPort(port) }

    public var description: String {
        "\(protocolName)/\(protocolVersion)/\(transport) \(sentBy)\(parameters)"
    }

    static func stripBrackets(_ text: String) -> String {
        text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
    }

    /// Parses one via-parm at the scanner.
    static func parse(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> Via {
        scanner.skipLWS()
        guard let name = scanner.readToken() else { throw SIPHeaderError("missing protocol (expected SIP/2.0/UDP)") }
        scanner.skipLWS()
        guard scanner.consume(ASCII.slash) else { throw SIPHeaderError("expected '/' after the protocol name") }
        scanner.skipLWS()
        guard let version = scanner.readToken() else { throw SIPHeaderError("missing protocol version") }
        scanner.skipLWS()
        guard scanner.consume(ASCII.slash) else { throw SIPHeaderError("expected '/' before the transport") }
        scanner.skipLWS()
        guard let transport = scanner.readToken() else { throw SIPHeaderError("missing transport") }
        let whiteSpace = scanner.index
        scanner.skipLWS()
        guard scanner.index > whiteSpace else { throw SIPHeaderError("expected white space before sent-by") }
        let host: String
        if scanner.consume(ASCII.leftBracket) {
            let v6 = scanner.read { ASCII.isHex($0) || $0 == ASCII.colon || $0 == ASCII.dot }
            guard scanner.consume(ASCII.rightBracket), !v6.isEmpty else { throw SIPHeaderError("unterminated IPv6 reference in sent-by") }
            host = scanner.string(v6)
        } else {
            let hostRange = scanner.read(while: ASCII.isHostChar)
            guard !hostRange.isEmpty else { throw SIPHeaderError("missing sent-by host") }
            host = scanner.string(hostRange)
        }
        scanner.skipLWS()
        var port: Int?
        if scanner.consume(ASCII.colon) {
            scanner.skipLWS()
            let digits = scanner.read(while: ASCII.isDigit)
            guard !digits.isEmpty, digits.count <= 5, let value = parseDecimal(scanner, digits), value <= 65_535 else {
                throw SIPHeaderError("sent-by port must be a number from 0 to 65535")
            }
            port = Int(value)
        }
        let parameters = try HeaderParameters.parse(&scanner)
        if let ttl = parameters["ttl"], Int(ttl).map({ !(0...255).contains($0) }) ?? true {
            throw SIPHeaderError("Via ttl must be 0–255")
        }
        return Via(protocolName: scanner.interned(name), protocolVersion: scanner.interned(version),
                   transport: scanner.interned(transport).asciiUppercased, host: host, port: port, parameters: parameters)
    }
}

// Initializers in extensions keep the synthesized memberwise one for the parser (see SIPURI).
extension Via {
    /// Creates a Via value.
    public init(transport: String, host: String, port: Int? = nil, parameters: HeaderParameters = HeaderParameters()) {
        protocolName = "SIP"
        protocolVersion = "2.0"
        self.transport = transport.asciiUppercased
        self.host = host
        self.port = port
        self.parameters = parameters
    }
}
