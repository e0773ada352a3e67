/// A SIP request or response (RFC 3261 §7).
///
/// ```
/// var request = SIPMessage(method: .options, uri: try SIPURI.parse("sip:bob@example.com"))
/// request.headers.add(.via, "SIP/2.0/UDP 192.0.2.1:5060;branch=\(SIPIdentifiers.branch())")
/// let bytes = request.serialized()           // Content-Length computed
///
/// let received = try SIPMessage(datagram: bytes)   // framing: start line, header views, body
/// let core = try received.validate()               // Via, From, To, Call-ID, CSeq, parsed once
/// ```
public struct SIPMessage: Sendable {
    /// The first line.
    public enum StartLine: Sendable {
        /// `Method Request-URI SIP/2.0`.
        case request(method: SIPMethod, uri: SIPURI)
        /// `SIP/2.0 Status-Code Reason-Phrase`.
        case response(status: Int, reason: String)
    }

    /// The start line.
    public var startLine: StartLine
    /// The header lines.
    public var headers: SIPHeaders
    /// The body (framed by Content-Length).
    public var body: [UInt8]

    /// Whether this is a request.
    public var isRequest: Bool {
        if case .request = startLine { return true }
        return false
    }

    /// The request method, for requests.
    public var method: SIPMethod? {
        if case .request(let method, _) = startLine { return method }
        return nil
    }

    /// The Request-URI, for requests.
    public var requestURI: SIPURI? {
        get {
            if case .request(_, let uri) = startLine { return uri }
            return nil
        }
        set {
            if case .request(let method, _) = startLine, let newValue { startLine = .request(method: method, uri: newValue) }
        }
    }

    /// The status code, for responses.
    public var status: Int? {
        if case .response(let status, _) = startLine { return status }
        return nil
    }

    /// The reason phrase, for responses.
    public var reason: String? {
        if case .response(_, let reason) = startLine { return reason }
        return nil
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

// Initializers in an extension keep the synthesized memberwise one for the parser (see SIPURI).
extension SIPMessage {
    /// A request with no headers.
    public init(method: SIPMethod, uri: SIPURI, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        startLine = .request(method: method, uri: uri)
        self.headers = headers
        self.body = body
    }

    /// A response with no headers; the reason defaults to the standard phrase.
    public init(status: Int, reason: String? = nil, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        startLine = .response(status: status, reason: reason ?? SIPStatus.reasonPhrase(for: status))
        self.headers = headers
        self.body = body
    }
}

/// The headers every layer relies on, parsed once by ``SIPMessage/validate()``.
public struct CoreHeaders: Sendable, Hashable {
    /// The top Via (the one the sender added).
    public var topVia: Via
    /// The Via values below the top one: empty for a request straight from its sender, so the
    /// common case keeps no array.
    public var lowerVias: [Via]
    /// From.
    public var from: NameAddress
    /// To.
    public var to: NameAddress
    /// Call-ID.
    public var callID: String
    /// CSeq.
    public var cseq: CSeq
    /// Max-Forwards, if present (RFC 2543 requests may omit it).
    public var maxForwards: Int?

    /// Every Via value, top first.
    public var vias: [Via] { [topVia] + lowerVias }
}
