/// Why bytes are not a usable SIP message: what, where, and what may be done about it.
///
/// `responseStatus` is the response a server should send (400, 505, 413…), or nil when the
/// message must be dropped silently (an unusable response, or a request too broken to answer).
/// `headers` holds the header lines framed before the failure, so the 400 can copy Via, From,
/// To, Call-ID and CSeq (RFC 3261 §8.2.6.2).
public struct SIPParseError: Error, Sendable, CustomStringConvertible {
    /// The family of a parse error.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The start line is not `Method SP URI SP SIP/2.0` or `SIP/2.0 SP code SP reason`.
        public static let startLine = Kind("start line")
        /// The protocol is not SIP/2.0 (answer 505).
        public static let version = Kind("version")
        /// The Request-URI does not parse or carries forbidden parts.
        public static let requestURI = Kind("Request-URI")
        /// The status code is not three digits 100–699.
        public static let statusCode = Kind("status code")
        /// A header line is malformed (no colon, bad name, bad fold).
        public static let headerLine = Kind("header line")
        /// A header value does not follow its grammar.
        public static let headerValue = Kind("header value")
        /// A required header is missing.
        public static let missingHeader = Kind("missing header")
        /// A header that must appear once appears several times.
        public static let duplicateHeader = Kind("duplicate header")
        /// Content-Length is malformed, ambiguous or larger than the data.
        public static let contentLength = Kind("Content-Length")
        /// The CSeq method differs from the request method.
        public static let methodMismatch = Kind("method mismatch")
        /// The message exceeds a size limit.
        public static let tooLarge = Kind("too large")
        /// The stream ended inside a message.
        public static let truncated = Kind("truncated")
        public var description: String { name }
    }

    /// The family.
    public var kind: Kind
    /// One line saying what is wrong.
    public var message: String
    /// The byte offset where it was found, if known.
    public var offset: Int?
    /// Whether the bytes are a request (nil if not even that is known).
    public var isRequest: Bool?
    /// The status of the response to send, or nil to discard silently.
    public var responseStatus: Int?
    /// The header lines framed before the failure.
    public var headers: SIPHeaders?

    init(_ kind: Kind, _ message: String, offset: Int? = nil, isRequest: Bool?, status: Int? = 400,
         headers: SIPHeaders? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.isRequest = isRequest
        responseStatus = isRequest == true ? status : nil
        self.headers = headers
    }

    /// Whether a response can be built: the request is known and its Via and CSeq parse.
    public var canRespond: Bool {
        guard responseStatus != nil, let headers else { return false }
        let via = try? headers.parseList(.via, Via.parse)
        let cseq = try? headers.parseSingle(.cseq, CSeq.parse)
        return !(via?.isEmpty ?? true) && cseq != nil
    }

    public var description: String {
        let place = offset.map { " (at byte \($0))" } ?? ""
        let action = responseStatus.map { "; answer \($0)" } ?? (isRequest == false ? "; discard the response" : "")
        return "\(kind): \(message)\(place)\(action)"
    }
}
