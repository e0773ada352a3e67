/// A SIP header field name. Names compare case-insensitively (RFC 3261 §7.3.1) and compact
/// forms are normalized when parsed (`v` is ``via``, `i` is ``callID``, …).
///
/// Code outside the parser names headers with these constants, never with string literals:
/// `message.headers[.userAgent]`.
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible {
    /// The canonical spelling (`Call-ID`), or the spelling received for unknown headers.
    public let canonical: String
    /// The lower-case form used for comparison.
    let key: String
    /// The index into the table of known names, or -1.
    let id: Int

    private init(known canonical: String, id: Int) {
        self.canonical = canonical
        key = canonical.lowercased()
        self.id = id
    }

    /// A header name from text; compact forms and known names are normalized.
    public init(_ name: String) {
        self = Self.known(Array(name.utf8)[...]) ?? SIPHeaderName(unknown: name)
    }

    private init(unknown name: String) {
        canonical = name
        key = name.lowercased()
        id = -1
    }

    public static func == (lhs: SIPHeaderName, rhs: SIPHeaderName) -> Bool {
        if lhs.id >= 0 || rhs.id >= 0 { return lhs.id == rhs.id }
        return lhs.key == rhs.key
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    public var description: String { canonical }

    /// Whether several values may share one header line separated by commas (RFC 3261 §7.3.1).
    /// The authentication headers are excluded: their parameters contain commas.
    public var allowsCommaList: Bool { !Self.singleValued.contains(id) }

    // MARK: Known names

    private static let names: [(canonical: String, compact: String?)] = [
        ("Via", "v"), ("From", "f"), ("To", "t"), ("Call-ID", "i"), ("CSeq", nil), ("Contact", "m"),
        ("Max-Forwards", nil), ("Route", nil), ("Record-Route", nil), ("Expires", nil), ("Min-Expires", nil),
        ("Content-Type", "c"), ("Content-Length", "l"), ("Content-Encoding", "e"), ("Require", nil),
        ("Supported", "k"), ("Unsupported", nil), ("Allow", nil), ("Proxy-Require", nil),
        ("WWW-Authenticate", nil), ("Proxy-Authenticate", nil), ("Authorization", nil),
        ("Proxy-Authorization", nil), ("Authentication-Info", nil), ("Warning", nil), ("Retry-After", nil),
        ("User-Agent", nil), ("Server", nil), ("Subject", "s"), ("Accept", nil), ("Accept-Encoding", nil),
        ("Accept-Language", nil), ("Date", nil), ("Timestamp", nil), ("Organization", nil),
        ("Event", "o"), ("Allow-Events", "u"), ("Refer-To", "r"), ("Referred-By", "b"),
        ("Session-Expires", "x"), ("Min-SE", nil), ("RSeq", nil), ("RAck", nil), ("Reason", nil),
        ("Path", nil), ("Service-Route", nil), ("Content-Disposition", nil), ("Priority", nil),
        ("Reply-To", nil), ("In-Reply-To", nil), ("Alert-Info", nil), ("Call-Info", nil), ("Error-Info", nil),
        ("MIME-Version", nil), ("Subscription-State", nil), ("Accept-Contact", "a"), ("Reject-Contact", "j"),
        ("Request-Disposition", "d"), ("Identity", "y"), ("P-Asserted-Identity", nil),
    ]

    static let all: [SIPHeaderName] = names.enumerated().map { SIPHeaderName(known: $0.element.canonical, id: $0.offset) }
    private static func named(_ canonical: String) -> SIPHeaderName {
        all[names.firstIndex { $0.canonical == canonical }!]
    }
    private static let singleValued: Set<Int> = Set(["WWW-Authenticate", "Proxy-Authenticate", "Authorization",
                                                     "Proxy-Authorization", "Authentication-Info", "Date",
                                                     "Subject", "User-Agent", "Server", "Organization",
                                                     "Retry-After", "Timestamp", "Call-ID", "CSeq", "From", "To",
                                                     "Max-Forwards", "Content-Length", "Content-Type", "Expires",
                                                     "Min-Expires", "Reply-To", "Refer-To", "Referred-By",
                                                     "Session-Expires", "Event", "Subscription-State", "RSeq", "RAck"]
                                                     .map { canonical in names.firstIndex { $0.canonical == canonical }! })

    /// Lookup by lower-case bytes: full names and compact letters.
    private static let lookup: [[UInt8]: Int] = {
        var table: [[UInt8]: Int] = [:]
        for (id, entry) in names.enumerated() {
            table[Array(entry.canonical.lowercased().utf8)] = id
            if let compact = entry.compact { table[Array(compact.utf8)] = id }
        }
        return table
    }()

    /// The known name spelled (in any case, or compact) by `bytes`, if any.
    static func known(_ bytes: ArraySlice<UInt8>) -> SIPHeaderName? {
        guard bytes.count <= 24 else { return nil }
        var lowered = [UInt8]()
        lowered.reserveCapacity(bytes.count)
        for b in bytes { lowered.append(ASCII.lower(b)) }
        return lookup[lowered].map { all[$0] }
    }

    /// Parses a name from received bytes (compact forms and case normalized).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SIPHeaderName {
        let count = range.count
        if count <= 24 {
            var key: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &key) { raw in
                for i in 0..<count { raw[i] = ASCII.lower(bytes[range.lowerBound + i]) }
            }
            if let id = fastLookup[FastKey(key.0, key.1, key.2)] { return all[id] }
        }
        return SIPHeaderName(unknown: String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
    }

    /// Fixed-width keys so lookups hash three words instead of allocating an array.
    private struct FastKey: Hashable {
        let a: UInt64, b: UInt64, c: UInt64
        init(_ a: UInt64, _ b: UInt64, _ c: UInt64) {
            self.a = a
            self.b = b
            self.c = c
        }
    }

    private static let fastLookup: [FastKey: Int] = {
        var table: [FastKey: Int] = [:]
        for (bytes, id) in lookup {
            var key: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &key) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
            table[FastKey(key.0, key.1, key.2)] = id
        }
        return table
    }()

    public static let via = named("Via")
    public static let from = named("From")
    public static let to = named("To")
    public static let callID = named("Call-ID")
    public static let cseq = named("CSeq")
    public static let contact = named("Contact")
    public static let maxForwards = named("Max-Forwards")
    public static let route = named("Route")
    public static let recordRoute = named("Record-Route")
    public static let expires = named("Expires")
    public static let minExpires = named("Min-Expires")
    public static let contentType = named("Content-Type")
    public static let contentLength = named("Content-Length")
    public static let contentEncoding = named("Content-Encoding")
    public static let require = named("Require")
    public static let supported = named("Supported")
    public static let unsupported = named("Unsupported")
    public static let allow = named("Allow")
    public static let proxyRequire = named("Proxy-Require")
    public static let wwwAuthenticate = named("WWW-Authenticate")
    public static let proxyAuthenticate = named("Proxy-Authenticate")
    public static let authorization = named("Authorization")
    public static let proxyAuthorization = named("Proxy-Authorization")
    public static let authenticationInfo = named("Authentication-Info")
    public static let warning = named("Warning")
    public static let retryAfter = named("Retry-After")
    public static let userAgent = named("User-Agent")
    public static let server = named("Server")
    public static let subject = named("Subject")
    public static let accept = named("Accept")
    public static let acceptEncoding = named("Accept-Encoding")
    public static let acceptLanguage = named("Accept-Language")
    public static let date = named("Date")
    public static let event = named("Event")
    public static let allowEvents = named("Allow-Events")
    public static let sessionExpires = named("Session-Expires")
    public static let reason = named("Reason")
    public static let path = named("Path")
    public static let serviceRoute = named("Service-Route")
}
