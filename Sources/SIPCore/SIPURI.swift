/// A URI as SIP uses it: `sip:`/`sips:` URIs in full (RFC 3261 §19.1), `tel:` (RFC 3966) and
/// any other absolute URI kept as an opaque part.
///
/// ```
/// let uri = try SIPURI.parse("sip:alice:pw@[2001:db8::1]:5070;transport=tcp;lr?subject=hi")
/// uri.host        // "2001:db8::1" (brackets stripped; `hostPort` adds them back)
/// uri.port        // 5070
/// uri["transport"] // "tcp"
/// ```
/// User, password, parameter and header values are stored unescaped; the serializer escapes
/// what must be escaped. Two URIs compare per RFC 3261 §19.1.4 with ``matches(_:)``; `==` is
/// structural equality.
public struct SIPURI: Hashable, Sendable, CustomStringConvertible {
    /// The URI scheme.
    public enum Scheme: Hashable, Sendable, CustomStringConvertible {
        case sip, sips, tel
        /// Any other scheme, lower-cased (`http`, `isbn`, `nobodyknowsthisscheme`).
        case other(String)

        /// The scheme's name.
        public var description: String {
            switch self {
            case .sip: "sip"
            case .sips: "sips"
            case .tel: "tel"
            case .other(let name): name
            }
        }

        /// Whether this is `sip` or `sips`.
        public var isSIP: Bool { self == .sip || self == .sips }
    }

    /// A `;name[=value]` parameter.
    public struct Parameter: Hashable, Sendable {
        /// The name as written.
        public var name: String
        /// The value, unescaped; nil for a flag such as `lr`.
        public var value: String?
    }

    // The initializers live in an extension so that the compiler also synthesizes the
    // memberwise one, which the parser uses: an explicit initializer that assigns field by field
    // makes the optimizer build the value in a temporary and copy it out (a retain and release
    // of every string), once per parsed URI.

    /// The scheme.
    public var scheme: Scheme
    /// The user part, unescaped (sip/sips), or the number (tel).
    public var user: String?
    /// The password, unescaped.
    public var password: String?
    /// The host without IPv6 brackets (sip/sips); empty for other schemes.
    public var host: String
    /// The port, if given.
    public var port: Int?
    /// URI parameters in order.
    public var parameters: [Parameter]
    /// URI headers (`?name=value&…`) in order, unescaped.
    public var headers: [Parameter]
    /// For schemes other than sip/sips/tel: everything after the colon, verbatim.
    public var opaque: String?

    /// The value of parameter `name` (case-insensitive name); `""` for a flag; nil if absent.
    public subscript(_ name: String) -> String? {
        guard let parameter = parameters.first(where: { $0.name.caseInsensitiveEquals(name) }) else { return nil }
        return parameter.value ?? ""
    }

    /// Whether parameter `name` is present (with or without a value).
    public func hasParameter(_ name: String) -> Bool {
        parameters.contains { $0.name.caseInsensitiveEquals(name) }
    }

    /// Sets (or, with nil, removes) parameter `name`; `flag` sets a valueless parameter.
    public mutating func setParameter(_ name: String, _ value: String?, flag: Bool = false) {
        parameters.removeAll { $0.name.caseInsensitiveEquals(name) }
        if value != nil || flag { parameters.append(Parameter(name, value)) }
    }

    /// Whether the host is an IPv6 reference.
    public var isIPv6: Bool { host.utf8.contains(UInt8(ascii: ":")) }

    /// `host` or `[v6]` with `:port` when a port is given.
    public var hostPort: String { host.hostPort(port) }

    /// The `transport` parameter, lower-cased.
    public var transport: String? { self["transport"]?.lowercased() }

    /// This URI without parameters or headers other than `user` (the address-of-record form
    /// registrars compare, RFC 3261 §10.3 step 5).
    public var addressOfRecord: SIPURI {
        var copy = self
        copy.port = nil
        copy.password = nil
        copy.parameters = []
        copy.headers = []
        return copy
    }
}

extension SIPURI {
    /// Creates a SIP or SIPS URI.
    public init(scheme: Scheme = .sip, user: String? = nil, password: String? = nil, host: String,
                port: Int? = nil, parameters: [Parameter] = [], headers: [Parameter] = []) {
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
    }

    /// An absolute URI of another scheme, kept verbatim.
    public init(other scheme: String, opaque: String) {
        self.scheme = .other(scheme.lowercased())
        host = ""
        parameters = []
        headers = []
        self.opaque = opaque
    }
}

extension SIPURI.Parameter {
    /// Creates a parameter.
    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }
}

extension String {
    /// This host as it is written in a URI, Via or host:port: an IPv6 address (it holds a colon)
    /// in brackets (RFC 3261 §25.1 `IPv6reference`). A byte scan: `contains(":")` was a
    /// substring search, on every message the server forwards.
    public var bracketedHost: String { utf8.contains(UInt8(ascii: ":")) ? "[\(self)]" : self }

    /// This host bracketed as ``bracketedHost``, with `:port` when there is a port: `host[:port]`
    /// as in a URI's hostport or a Via's sent-by (RFC 3261 §25.1).
    public func hostPort(_ port: Int?) -> String {
        port.map { "\(bracketedHost):\($0)" } ?? bracketedHost
    }

    /// This text in ASCII lower case; the same string, uncopied, when it already is (parsed
    /// tokens usually are).
    var asciiLowercased: String { utf8.contains { $0 >= 0x41 && $0 <= 0x5A } ? lowercased() : self }

    /// This text in ASCII upper case; the same string, uncopied, when it already is.
    var asciiUppercased: String { utf8.contains { $0 >= 0x61 && $0 <= 0x7A } ? uppercased() : self }

    /// ASCII case-insensitive equality (header and parameter names, hosts, tokens).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        // Lengths first (O(1) for native strings): most lookups compare different names.
        guard utf8.count == other.utf8.count else { return false }
        if self == other { return true }
        var a = self, b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<x.count where ASCII.lower(x[i]) != ASCII.lower(y[i]) { return false }
                return true
            }
        }
    }
}
