/// `CSeq: 4711 INVITE` (RFC 3261 §20.16). The number must fit in 32 bits.
public struct CSeq: Hashable, Sendable, CustomStringConvertible {
    /// The sequence number.
    public var sequence: UInt32
    /// The method.
    public var method: SIPMethod

    public var description: String { "\(sequence) \(method)" }

    static func parse(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> CSeq {
        scanner.skipLWS()
        let digits = scanner.read(while: ASCII.isDigit)
        guard !digits.isEmpty else { throw SIPHeaderError("CSeq must start with a number") }
        guard let number = parseDecimal(scanner, digits), number <= UInt64(UInt32.max) else {
            throw SIPHeaderError("CSeq number is larger than 2^32-1")
        }
        let gap = scanner.index
        scanner.skipLWS()
        guard scanner.index > gap, let method = scanner.readToken() else { throw SIPHeaderError("CSeq needs a method after the number") }
        scanner.skipLWS()
        guard scanner.isAtEnd else { throw SIPHeaderError("unexpected text after the CSeq method") }
        return CSeq(sequence: UInt32(number), method: SIPMethod(scanner.interned(method)))
    }
}

/// Parses decimal digits (leading zeros allowed; the caller checked they are digits); nil when
/// larger than `UInt64`.
func parseDecimal(_ scanner: ByteScanner, _ range: Range<Int>) -> UInt64? {
    var value: UInt64 = 0
    for i in range {
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(UInt64(scanner.bytes[i] - 0x30))
        if overflow1 || overflow2 { return nil }
        value = sum
    }
    return value
}

// In an extension, so the memberwise initializer the parser uses is synthesized (see SIPURI).
extension CSeq {
    /// Creates a CSeq value.
    public init(_ sequence: UInt32, _ method: SIPMethod) { self.init(sequence: sequence, method: method) }
}

/// A media type such as `application/sdp; charset=utf-8` (RFC 3261 §20.15).
public struct ContentType: Hashable, Sendable, CustomStringConvertible {
    /// The type, lower-cased (`application`).
    public var type: String
    /// The subtype, lower-cased (`sdp`).
    public var subtype: String
    /// Parameters such as `charset` or `boundary`.
    public var parameters: HeaderParameters

    /// `application/sdp`.
    public static let sdp = ContentType("application", "sdp")
    /// `text/plain`.
    public static let textPlain = ContentType("text", "plain")

    /// Whether type and subtype match (parameters ignored).
    public func matches(_ other: ContentType) -> Bool { type == other.type && subtype == other.subtype }

    public var description: String { "\(type)/\(subtype)\(parameters)" }

    static func parse(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> ContentType {
        scanner.skipLWS()
        guard let type = scanner.readToken() else { throw SIPHeaderError("missing media type") }
        scanner.skipLWS()
        guard scanner.consume(ASCII.slash) else { throw SIPHeaderError("expected type/subtype") }
        scanner.skipLWS()
        guard let subtype = scanner.readToken() else { throw SIPHeaderError("missing media subtype") }
        let parameters = try HeaderParameters.parse(&scanner)
        return ContentType(type: scanner.interned(type).asciiLowercased, subtype: scanner.interned(subtype).asciiLowercased,
                           parameters: parameters)
    }
}

// In an extension, so the memberwise initializer the parser uses is synthesized (see SIPURI).
extension ContentType {
    /// Creates a media type.
    public init(_ type: String, _ subtype: String, parameters: HeaderParameters = HeaderParameters()) {
        self.init(type: type.asciiLowercased, subtype: subtype.asciiLowercased, parameters: parameters)
    }
}

/// The value of a Contact header: `*` or a list of addresses (RFC 3261 §20.10).
public enum ContactValue: Hashable, Sendable {
    /// `Contact: *` (only with `Expires: 0` in REGISTER, §10.2.2).
    case wildcard
    /// One or more contacts.
    case addresses([NameAddress])
}

extension NameAddress {
    /// The `expires` parameter of a Contact (seconds), if valid.
    public var expires: UInt32? {
        parameters["expires"].flatMap { UInt64($0) }.map { UInt32(clamping: $0) }
    }

    /// The `q` parameter of a Contact (0.0–1.0), if valid.
    public var q: Double? {
        guard let text = parameters["q"], let value = Double(text), (0...1).contains(value) else { return nil }
        return value
    }
}

/// A Warning value: `399 example.com "Incompatible media"` (RFC 3261 §20.43).
public struct Warning: Hashable, Sendable, CustomStringConvertible {
    /// The three-digit warning code.
    public var code: Int
    /// The host (or pseudonym) adding the warning.
    public var agent: String
    /// The warning text.
    public var text: String

    /// Creates a warning.
    public init(code: Int, agent: String, text: String) {
        self.code = code
        self.agent = agent
        self.text = text
    }

    public var description: String { "\(code) \(agent) \(quote(text))" }

    static func parse(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> Warning {
        scanner.skipLWS()
        let digits = scanner.read(while: ASCII.isDigit)
        guard digits.count == 3, let code = Int(scanner.string(digits)) else { throw SIPHeaderError("Warning code must have three digits") }
        scanner.skipLWS()
        let agent = scanner.read { $0 > ASCII.space && $0 != ASCII.quote && $0 != ASCII.comma }
        guard !agent.isEmpty else { throw SIPHeaderError("Warning needs an agent") }
        scanner.skipLWS()
        guard scanner.peek == ASCII.quote, let text = scanner.readQuotedString() else {
            throw SIPHeaderError("Warning text must be a quoted string")
        }
        return Warning(code: code, agent: scanner.string(agent), text: text)
    }
}

/// `Retry-After: 120 (maintenance);duration=3600` (RFC 3261 §20.33).
public struct RetryAfter: Hashable, Sendable {
    /// Seconds to wait.
    public var seconds: UInt32
    /// The comment, if any.
    public var comment: String?
    /// Parameters (`duration`).
    public var parameters: HeaderParameters

    static func parse(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> RetryAfter {
        scanner.skipLWS()
        let digits = scanner.read(while: ASCII.isDigit)
        guard !digits.isEmpty, let value = parseDecimal(scanner, digits), value <= UInt64(UInt32.max) else {
            throw SIPHeaderError("Retry-After must be a number of seconds below 2^32")
        }
        scanner.skipLWS()
        var comment: String?
        if scanner.consume(0x28) {
            let start = scanner.index
            var depth = 1
            while let c = scanner.peek, depth > 0 {
                if c == 0x28 { depth += 1 } else if c == 0x29 { depth -= 1 }
                scanner.advance()
            }
            guard depth == 0 else { throw SIPHeaderError("unterminated comment in Retry-After") }
            comment = scanner.string(start..<(scanner.index - 1))
        }
        let parameters = try HeaderParameters.parse(&scanner)
        return RetryAfter(seconds: UInt32(value), comment: comment, parameters: parameters)
    }
}
