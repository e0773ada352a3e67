/// Typed access to header values. Each accessor parses when read (values are views into the
/// received bytes until then) and throws ``SIPHeaderError`` when the value is malformed; an
/// absent header gives nil or an empty list. The hot headers are also available parsed once
/// from ``SIPMessage/validate()``.
extension SIPMessage {
    /// Every Via value, top first.
    public var vias: [Via] { get throws(SIPHeaderError) { try headers.parseList(.via, Via.parse) } }

    /// The first Via (the one the last hop added), parsed alone: what a transport stamps with
    /// `received` and `rport` (RFC 3261 §18.2.1, RFC 3581 §4).
    public var firstVia: Via? { get throws(SIPHeaderError) { try headers.parseFirst(.via, Via.parse) } }

    /// The From header.
    public var from: NameAddress? { get throws(SIPHeaderError) { try headers.parseSingle(.from, NameAddress.parse) } }

    /// The To header.
    public var to: NameAddress? { get throws(SIPHeaderError) { try headers.parseSingle(.to, NameAddress.parse) } }

    /// The Call-ID.
    public var callID: String? { get throws(SIPHeaderError) { try headers.parseSingle(.callID, Self.parseCallID) } }

    /// The CSeq.
    public var cseq: CSeq? { get throws(SIPHeaderError) { try headers.parseSingle(.cseq, CSeq.parse) } }

    /// Contact: nil when absent, `.wildcard` for `*`, else the addresses.
    public var contacts: ContactValue? {
        get throws(SIPHeaderError) {
            var lines = 0, wildcard = false
            for field in headers.fields where field.name == .contact {
                lines += 1
                if field.range.count == 1, headers.buffer[field.range.lowerBound] == 0x2A { wildcard = true }
            }
            guard lines > 0 else { return nil }
            if wildcard {
                guard lines == 1 else { throw SIPHeaderError("Contact: * cannot be combined with other contacts") }
                return .wildcard
            }
            return .addresses(try headers.parseList(.contact, NameAddress.parse))
        }
    }

    /// Route values, in order.
    public var routes: [NameAddress] { get throws(SIPHeaderError) { try headers.parseList(.route, NameAddress.parse) } }

    /// Record-Route values, in order.
    public var recordRoutes: [NameAddress] { get throws(SIPHeaderError) { try headers.parseList(.recordRoute, NameAddress.parse) } }

    /// Expires (delta-seconds, below 2^32).
    public var expires: UInt32? { get throws(SIPHeaderError) { try headers.parseSingle(.expires, Self.parseDeltaSeconds) } }

    /// Min-Expires.
    public var minExpires: UInt32? { get throws(SIPHeaderError) { try headers.parseSingle(.minExpires, Self.parseDeltaSeconds) } }

    /// Content-Type.
    public var contentType: ContentType? { get throws(SIPHeaderError) { try headers.parseSingle(.contentType, ContentType.parse) } }

    /// Content-Length as sent (the body's length is authoritative once framed).
    public var contentLength: Int? { headers[.contentLength].flatMap { Int($0.trimmingSpaces()) } }

    /// Option tags of Require.
    public var require: [String] { get throws(SIPHeaderError) { try tokens(.require) } }
    /// Option tags of Proxy-Require.
    public var proxyRequire: [String] { get throws(SIPHeaderError) { try tokens(.proxyRequire) } }
    /// Option tags of Supported.
    public var supported: [String] { get throws(SIPHeaderError) { try tokens(.supported) } }
    /// Option tags of Unsupported.
    public var unsupported: [String] { get throws(SIPHeaderError) { try tokens(.unsupported) } }
    /// Methods in Allow.
    public var allow: [SIPMethod] { get throws(SIPHeaderError) { try tokens(.allow).map { SIPMethod($0) } } }

    /// Warning values.
    public var warnings: [Warning] { get throws(SIPHeaderError) { try headers.parseList(.warning, Warning.parse) } }

    /// Retry-After.
    public var retryAfter: RetryAfter? { get throws(SIPHeaderError) { try headers.parseSingle(.retryAfter, RetryAfter.parse) } }

    /// User-Agent text.
    public var userAgent: String? { headers[.userAgent] }

    /// Subject text.
    public var subject: String? { headers[.subject] }

    /// Digest (or other) challenges from WWW-Authenticate.
    public var wwwAuthenticate: [AuthChallenge] {
        get throws(SIPHeaderError) { try headers.values(.wwwAuthenticate).map(AuthChallenge.parse) }
    }

    /// Challenges from Proxy-Authenticate.
    public var proxyAuthenticate: [AuthChallenge] {
        get throws(SIPHeaderError) { try headers.values(.proxyAuthenticate).map(AuthChallenge.parse) }
    }

    /// Credentials from Authorization.
    public var authorization: [AuthChallenge] {
        get throws(SIPHeaderError) { try headers.values(.authorization).map(AuthChallenge.parse) }
    }

    /// Credentials from Proxy-Authorization.
    public var proxyAuthorization: [AuthChallenge] {
        get throws(SIPHeaderError) { try headers.values(.proxyAuthorization).map(AuthChallenge.parse) }
    }

    private func tokens(_ name: SIPHeaderName) throws(SIPHeaderError) -> [String] {
        try headers.parseList(name) { (scanner) throws(SIPHeaderError) -> String in
            scanner.skipLWS()
            guard let token = scanner.readToken() else { throw SIPHeaderError("\(name) values must be tokens") }
            return scanner.string(token)
        }
    }

    static func parseDeltaSeconds(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> UInt32 {
        scanner.skipLWS()
        let digits = scanner.read(while: ASCII.isDigit)
        guard !digits.isEmpty, let value = parseDecimal(scanner, digits), value <= UInt64(UInt32.max) else {
            throw SIPHeaderError("expected a number of seconds below 2^32")
        }
        return UInt32(value)
    }
}
