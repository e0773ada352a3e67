/// A SIP header field name. Names compare case-insensitively (RFC 3261 §7.3.1) and compact
/// forms are normalized when parsed (`v` is ``via``, `i` is ``callID``, …).
///
/// Code outside the parser names headers with these constants, never with string literals:
/// `message.headers[.userAgent]`. A known name is just a small integer, so comparing and
/// copying names costs nothing; only unknown names carry their text.
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible {
    /// The index into the table of known names, or -1 for an unknown name.
    @usableFromInline let id: Int
    /// The spelling of an unknown name, as received.
    @usableFromInline let unknown: String?

    @inlinable
    init(id: Int) {
        self.id = id
        unknown = nil
    }

    /// A header name from text; compact forms and known names are normalized.
    public init(_ name: String) {
        let bytes = Array(name.utf8)
        let id = bytes.withUnsafeBufferPointer { Self.knownID($0, 0..<$0.count) }
        self.id = id
        unknown = id >= 0 ? nil : name
    }

    private init(unknown name: String) {
        id = -1
        unknown = name
    }

    /// The canonical spelling (`Call-ID`), or the spelling received for unknown headers.
    public var canonical: String { id >= 0 ? Self.canonicalNames[id] : unknown ?? "" }

    public static func == (lhs: SIPHeaderName, rhs: SIPHeaderName) -> Bool {
        if lhs.id >= 0 || rhs.id >= 0 { return lhs.id == rhs.id }
        return (lhs.unknown ?? "").caseInsensitiveEquals(rhs.unknown ?? "")
    }

    public func hash(into hasher: inout Hasher) {
        if id >= 0 { hasher.combine(id) } else { hasher.combine((unknown ?? "").lowercased()) }
    }

    public var description: String { canonical }

    /// Whether several values may share one header line separated by commas (RFC 3261 §7.3.1).
    /// Free-text and authentication headers are excluded: their values contain commas.
    public var allowsCommaList: Bool {
        switch id {
        case 19, 20, 21, 22, 23, 32, 28, 26, 27, 34, 25, 33, 3, 4, 1, 2, 6, 12, 11, 9, 10, 48, 37, 38, 39, 35, 54, 41, 42: false
        default: true
        }
    }

    /// Parses a name from received bytes (compact forms and case normalized).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SIPHeaderName {
        let id = knownID(bytes, range)
        if id >= 0 { return SIPHeaderName(id: id) }
        return SIPHeaderName(unknown: String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
    }

    /// The id of the known name (any case, or compact) spelled by `range`, or -1. The lower-cased
    /// bytes are packed into three words and compared with constants: no hashing, no allocation.
    static func knownID(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        let count = range.count
        guard count > 0, count <= 24 else { return -1 }
        // Case-fold by OR-ing 0x20 into every byte: letters become lower case and no other
        // token character becomes a letter ('_' turns into DEL), so matches stay exact.
        var key: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &key) { raw in
            raw.baseAddress!.copyMemory(from: bytes.baseAddress! + range.lowerBound, byteCount: count)
        }
        let fold: (UInt64, UInt64, UInt64) = (
            count >= 8 ? ~0 : (1 << (UInt64(count) * 8)) - 1,
            count >= 16 ? ~0 : count <= 8 ? 0 : (1 << (UInt64(count - 8) * 8)) - 1,
            count <= 16 ? 0 : count >= 24 ? ~0 : (1 << (UInt64(count - 16) * 8)) - 1)
        key = (key.0 | (fold.0 & 0x2020_2020_2020_2020), key.1 | (fold.1 & 0x2020_2020_2020_2020),
               key.2 | (fold.2 & 0x2020_2020_2020_2020))
        switch count {
        case 1:
            if key.0 == 0x0000000000000076 { return 0 }  // v
            if key.0 == 0x0000000000000066 { return 1 }  // f
            if key.0 == 0x0000000000000074 { return 2 }  // t
            if key.0 == 0x0000000000000069 { return 3 }  // i
            if key.0 == 0x000000000000006d { return 5 }  // m
            if key.0 == 0x0000000000000063 { return 11 }  // c
            if key.0 == 0x000000000000006c { return 12 }  // l
            if key.0 == 0x0000000000000065 { return 13 }  // e
            if key.0 == 0x000000000000006b { return 15 }  // k
            if key.0 == 0x0000000000000073 { return 28 }  // s
            if key.0 == 0x000000000000006f { return 35 }  // o
            if key.0 == 0x0000000000000075 { return 36 }  // u
            if key.0 == 0x0000000000000072 { return 37 }  // r
            if key.0 == 0x0000000000000062 { return 38 }  // b
            if key.0 == 0x0000000000000078 { return 39 }  // x
            if key.0 == 0x0000000000000061 { return 55 }  // a
            if key.0 == 0x000000000000006a { return 56 }  // j
            if key.0 == 0x0000000000000064 { return 57 }  // d
            if key.0 == 0x0000000000000079 { return 58 }  // y
        case 2:
            if key.0 == 0x0000000000006f74 { return 2 }  // to
        case 3:
            if key.0 == 0x0000000000616976 { return 0 }  // via
        case 4:
            if key.0 == 0x000000006d6f7266 { return 1 }  // from
            if key.0 == 0x0000000071657363 { return 4 }  // cseq
            if key.0 == 0x0000000065746164 { return 32 }  // date
            if key.0 == 0x0000000071657372 { return 41 }  // rseq
            if key.0 == 0x000000006b636172 { return 42 }  // rack
            if key.0 == 0x0000000068746170 { return 44 }  // path
        case 5:
            if key.0 == 0x0000006574756f72 { return 7 }  // route
            if key.0 == 0x000000776f6c6c61 { return 17 }  // allow
            if key.0 == 0x000000746e657665 { return 35 }  // event
        case 6:
            if key.0 == 0x0000726576726573 { return 27 }  // server
            if key.0 == 0x0000747065636361 { return 29 }  // accept
            if key.0 == 0x000065732d6e696d { return 40 }  // min-se
            if key.0 == 0x00006e6f73616572 { return 43 }  // reason
        case 7:
            if key.0 == 0x0064692d6c6c6163 { return 3 }  // call-id
            if key.0 == 0x00746361746e6f63 { return 5 }  // contact
            if key.0 == 0x0073657269707865 { return 9 }  // expires
            if key.0 == 0x0065726975716572 { return 14 }  // require
            if key.0 == 0x00676e696e726177 { return 24 }  // warning
            if key.0 == 0x007463656a627573 { return 28 }  // subject
        case 8:
            if key.0 == 0x6f742d7265666572 { return 37 }  // refer-to
            if key.0 == 0x797469726f697270 { return 47 }  // priority
            if key.0 == 0x6f742d796c706572 { return 48 }  // reply-to
            if key.0 == 0x797469746e656469 { return 58 }  // identity
        case 9:
            if key.0 == 0x6574726f70707573 && key.1 == 0x0000000000000064 { return 15 }  // supported
            if key.0 == 0x6d617473656d6974 && key.1 == 0x0000000000000070 { return 33 }  // timestamp
            if key.0 == 0x666e692d6c6c6163 && key.1 == 0x000000000000006f { return 51 }  // call-info
        case 10:
            if key.0 == 0x6567612d72657375 && key.1 == 0x000000000000746e { return 26 }  // user-agent
            if key.0 == 0x6e692d7472656c61 && key.1 == 0x0000000000006f66 { return 50 }  // alert-info
            if key.0 == 0x6e692d726f727265 && key.1 == 0x0000000000006f66 { return 52 }  // error-info
        case 11:
            if key.0 == 0x697078652d6e696d && key.1 == 0x0000000000736572 { return 10 }  // min-expires
            if key.0 == 0x726f707075736e75 && key.1 == 0x0000000000646574 { return 16 }  // unsupported
            if key.0 == 0x66612d7972746572 && key.1 == 0x0000000000726574 { return 25 }  // retry-after
            if key.0 == 0x6465727265666572 && key.1 == 0x000000000079622d { return 38 }  // referred-by
            if key.0 == 0x796c7065722d6e69 && key.1 == 0x00000000006f742d { return 49 }  // in-reply-to
        case 12:
            if key.0 == 0x77726f662d78616d && key.1 == 0x0000000073647261 { return 6 }  // max-forwards
            if key.0 == 0x722d64726f636572 && key.1 == 0x000000006574756f { return 8 }  // record-route
            if key.0 == 0x2d746e65746e6f63 && key.1 == 0x0000000065707974 { return 11 }  // content-type
            if key.0 == 0x617a696e6167726f && key.1 == 0x000000006e6f6974 { return 34 }  // organization
            if key.0 == 0x76652d776f6c6c61 && key.1 == 0x0000000073746e65 { return 36 }  // allow-events
            if key.0 == 0x7265762d656d696d && key.1 == 0x000000006e6f6973 { return 53 }  // mime-version
        case 13:
            if key.0 == 0x65722d79786f7270 && key.1 == 0x0000006572697571 { return 18 }  // proxy-require
            if key.0 == 0x7a69726f68747561 && key.1 == 0x0000006e6f697461 { return 21 }  // authorization
            if key.0 == 0x2d65636976726573 && key.1 == 0x0000006574756f72 { return 45 }  // service-route
        case 14:
            if key.0 == 0x2d746e65746e6f63 && key.1 == 0x00006874676e656c { return 12 }  // content-length
            if key.0 == 0x632d747065636361 && key.1 == 0x0000746361746e6f { return 55 }  // accept-contact
            if key.0 == 0x632d7463656a6572 && key.1 == 0x0000746361746e6f { return 56 }  // reject-contact
        case 15:
            if key.0 == 0x652d747065636361 && key.1 == 0x00676e69646f636e { return 30 }  // accept-encoding
            if key.0 == 0x6c2d747065636361 && key.1 == 0x0065676175676e61 { return 31 }  // accept-language
            if key.0 == 0x2d6e6f6973736573 && key.1 == 0x0073657269707865 { return 39 }  // session-expires
        case 16:
            if key.0 == 0x2d746e65746e6f63 && key.1 == 0x676e69646f636e65 { return 13 }  // content-encoding
            if key.0 == 0x687475612d777777 && key.1 == 0x6574616369746e65 { return 19 }  // www-authenticate
        case 18:
            if key.0 == 0x75612d79786f7270 && key.1 == 0x616369746e656874 && key.2 == 0x0000000000006574 { return 20 }  // proxy-authenticate
            if key.0 == 0x7069726373627573 && key.1 == 0x6174732d6e6f6974 && key.2 == 0x0000000000006574 { return 54 }  // subscription-state
        case 19:
            if key.0 == 0x75612d79786f7270 && key.1 == 0x74617a69726f6874 && key.2 == 0x00000000006e6f69 { return 22 }  // proxy-authorization
            if key.0 == 0x69746e6568747561 && key.1 == 0x692d6e6f69746163 && key.2 == 0x00000000006f666e { return 23 }  // authentication-info
            if key.0 == 0x2d746e65746e6f63 && key.1 == 0x7469736f70736964 && key.2 == 0x00000000006e6f69 { return 46 }  // content-disposition
            if key.0 == 0x2d74736575716572 && key.1 == 0x7469736f70736964 && key.2 == 0x00000000006e6f69 { return 57 }  // request-disposition
            if key.0 == 0x7472657373612d70 && key.1 == 0x746e6564692d6465 && key.2 == 0x0000000000797469 { return 59 }  // p-asserted-identity
        default: break
        }
        return -1
    }

    // Generated from the table of names; ids index `canonicalNames`.
    static let canonicalNames: [String] = [
        "Via",
        "From",
        "To",
        "Call-ID",
        "CSeq",
        "Contact",
        "Max-Forwards",
        "Route",
        "Record-Route",
        "Expires",
        "Min-Expires",
        "Content-Type",
        "Content-Length",
        "Content-Encoding",
        "Require",
        "Supported",
        "Unsupported",
        "Allow",
        "Proxy-Require",
        "WWW-Authenticate",
        "Proxy-Authenticate",
        "Authorization",
        "Proxy-Authorization",
        "Authentication-Info",
        "Warning",
        "Retry-After",
        "User-Agent",
        "Server",
        "Subject",
        "Accept",
        "Accept-Encoding",
        "Accept-Language",
        "Date",
        "Timestamp",
        "Organization",
        "Event",
        "Allow-Events",
        "Refer-To",
        "Referred-By",
        "Session-Expires",
        "Min-SE",
        "RSeq",
        "RAck",
        "Reason",
        "Path",
        "Service-Route",
        "Content-Disposition",
        "Priority",
        "Reply-To",
        "In-Reply-To",
        "Alert-Info",
        "Call-Info",
        "Error-Info",
        "MIME-Version",
        "Subscription-State",
        "Accept-Contact",
        "Reject-Contact",
        "Request-Disposition",
        "Identity",
        "P-Asserted-Identity",
    ]

    /// `Via` (compact `v`)
    @inlinable public static var via: SIPHeaderName { SIPHeaderName(id: 0) }
    /// `From` (compact `f`)
    @inlinable public static var from: SIPHeaderName { SIPHeaderName(id: 1) }
    /// `To` (compact `t`)
    @inlinable public static var to: SIPHeaderName { SIPHeaderName(id: 2) }
    /// `Call-ID` (compact `i`)
    @inlinable public static var callID: SIPHeaderName { SIPHeaderName(id: 3) }
    /// `CSeq`
    @inlinable public static var cseq: SIPHeaderName { SIPHeaderName(id: 4) }
    /// `Contact` (compact `m`)
    @inlinable public static var contact: SIPHeaderName { SIPHeaderName(id: 5) }
    /// `Max-Forwards`
    @inlinable public static var maxForwards: SIPHeaderName { SIPHeaderName(id: 6) }
    /// `Route`
    @inlinable public static var route: SIPHeaderName { SIPHeaderName(id: 7) }
    /// `Record-Route`
    @inlinable public static var recordRoute: SIPHeaderName { SIPHeaderName(id: 8) }
    /// `Expires`
    @inlinable public static var expires: SIPHeaderName { SIPHeaderName(id: 9) }
    /// `Min-Expires`
    @inlinable public static var minExpires: SIPHeaderName { SIPHeaderName(id: 10) }
    /// `Content-Type` (compact `c`)
    @inlinable public static var contentType: SIPHeaderName { SIPHeaderName(id: 11) }
    /// `Content-Length` (compact `l`)
    @inlinable public static var contentLength: SIPHeaderName { SIPHeaderName(id: 12) }
    /// `Content-Encoding` (compact `e`)
    @inlinable public static var contentEncoding: SIPHeaderName { SIPHeaderName(id: 13) }
    /// `Require`
    @inlinable public static var require: SIPHeaderName { SIPHeaderName(id: 14) }
    /// `Supported` (compact `k`)
    @inlinable public static var supported: SIPHeaderName { SIPHeaderName(id: 15) }
    /// `Unsupported`
    @inlinable public static var unsupported: SIPHeaderName { SIPHeaderName(id: 16) }
    /// `Allow`
    @inlinable public static var allow: SIPHeaderName { SIPHeaderName(id: 17) }
    /// `Proxy-Require`
    @inlinable public static var proxyRequire: SIPHeaderName { SIPHeaderName(id: 18) }
    /// `WWW-Authenticate`
    @inlinable public static var wwwAuthenticate: SIPHeaderName { SIPHeaderName(id: 19) }
    /// `Proxy-Authenticate`
    @inlinable public static var proxyAuthenticate: SIPHeaderName { SIPHeaderName(id: 20) }
    /// `Authorization`
    @inlinable public static var authorization: SIPHeaderName { SIPHeaderName(id: 21) }
    /// `Proxy-Authorization`
    @inlinable public static var proxyAuthorization: SIPHeaderName { SIPHeaderName(id: 22) }
    /// `Authentication-Info`
    @inlinable public static var authenticationInfo: SIPHeaderName { SIPHeaderName(id: 23) }
    /// `Warning`
    @inlinable public static var warning: SIPHeaderName { SIPHeaderName(id: 24) }
    /// `Retry-After`
    @inlinable public static var retryAfter: SIPHeaderName { SIPHeaderName(id: 25) }
    /// `User-Agent`
    @inlinable public static var userAgent: SIPHeaderName { SIPHeaderName(id: 26) }
    /// `Server`
    @inlinable public static var server: SIPHeaderName { SIPHeaderName(id: 27) }
    /// `Subject` (compact `s`)
    @inlinable public static var subject: SIPHeaderName { SIPHeaderName(id: 28) }
    /// `Accept`
    @inlinable public static var accept: SIPHeaderName { SIPHeaderName(id: 29) }
    /// `Accept-Encoding`
    @inlinable public static var acceptEncoding: SIPHeaderName { SIPHeaderName(id: 30) }
    /// `Accept-Language`
    @inlinable public static var acceptLanguage: SIPHeaderName { SIPHeaderName(id: 31) }
    /// `Date`
    @inlinable public static var date: SIPHeaderName { SIPHeaderName(id: 32) }
    /// `Timestamp`
    @inlinable public static var timestamp: SIPHeaderName { SIPHeaderName(id: 33) }
    /// `Organization`
    @inlinable public static var organization: SIPHeaderName { SIPHeaderName(id: 34) }
    /// `Event` (compact `o`)
    @inlinable public static var event: SIPHeaderName { SIPHeaderName(id: 35) }
    /// `Allow-Events` (compact `u`)
    @inlinable public static var allowEvents: SIPHeaderName { SIPHeaderName(id: 36) }
    /// `Refer-To` (compact `r`)
    @inlinable public static var referTo: SIPHeaderName { SIPHeaderName(id: 37) }
    /// `Referred-By` (compact `b`)
    @inlinable public static var referredBy: SIPHeaderName { SIPHeaderName(id: 38) }
    /// `Session-Expires` (compact `x`)
    @inlinable public static var sessionExpires: SIPHeaderName { SIPHeaderName(id: 39) }
    /// `Min-SE`
    @inlinable public static var minSE: SIPHeaderName { SIPHeaderName(id: 40) }
    /// `RSeq`
    @inlinable public static var rseq: SIPHeaderName { SIPHeaderName(id: 41) }
    /// `RAck`
    @inlinable public static var rack: SIPHeaderName { SIPHeaderName(id: 42) }
    /// `Reason`
    @inlinable public static var reason: SIPHeaderName { SIPHeaderName(id: 43) }
    /// `Path`
    @inlinable public static var path: SIPHeaderName { SIPHeaderName(id: 44) }
    /// `Service-Route`
    @inlinable public static var serviceRoute: SIPHeaderName { SIPHeaderName(id: 45) }
    /// `Content-Disposition`
    @inlinable public static var contentDisposition: SIPHeaderName { SIPHeaderName(id: 46) }
    /// `Priority`
    @inlinable public static var priority: SIPHeaderName { SIPHeaderName(id: 47) }
    /// `Reply-To`
    @inlinable public static var replyTo: SIPHeaderName { SIPHeaderName(id: 48) }
    /// `In-Reply-To`
    @inlinable public static var inReplyTo: SIPHeaderName { SIPHeaderName(id: 49) }
    /// `Alert-Info`
    @inlinable public static var alertInfo: SIPHeaderName { SIPHeaderName(id: 50) }
    /// `Call-Info`
    @inlinable public static var callInfo: SIPHeaderName { SIPHeaderName(id: 51) }
    /// `Error-Info`
    @inlinable public static var errorInfo: SIPHeaderName { SIPHeaderName(id: 52) }
    /// `MIME-Version`
    @inlinable public static var mimeVersion: SIPHeaderName { SIPHeaderName(id: 53) }
    /// `Subscription-State`
    @inlinable public static var subscriptionState: SIPHeaderName { SIPHeaderName(id: 54) }
    /// `Accept-Contact` (compact `a`)
    @inlinable public static var acceptContact: SIPHeaderName { SIPHeaderName(id: 55) }
    /// `Reject-Contact` (compact `j`)
    @inlinable public static var rejectContact: SIPHeaderName { SIPHeaderName(id: 56) }
    /// `Request-Disposition` (compact `d`)
    @inlinable public static var requestDisposition: SIPHeaderName { SIPHeaderName(id: 57) }
    /// `Identity` (compact `y`)
    @inlinable public static var identity: SIPHeaderName { SIPHeaderName(id: 58) }
    /// `P-Asserted-Identity`
    @inlinable public static var pAssertedIdentity: SIPHeaderName { SIPHeaderName(id: 59) }
}
