/// The domains the server hosts and every name each is reached by, so that a Request-URI or an
/// address of record is looked up by *domain*, not by string: `sip:bob@127.0.0.1:5060`,
/// `sip:bob@localhost` and `sip:bob@127.0.0.1` are the same user when those are the server's own
/// addresses (RFC 3261 §16.4: "if the Request-URI … indicates a resource at this proxy").
///
/// - The server's own names — its listening and advertised addresses, `localhost` and the
///   loopback addresses when it listens on loopback or on a wildcard, and (without `-r`) the
///   host name — all name the *default domain*: the first `-r` domain, or `localhost`.
/// - Each `-r` domain is a domain of its own; `--alias NAME=DOMAIN` adds a name for a domain
///   (`--alias NAME` for the default domain).
/// - A name matches with no port or with one of the server's ports; an alias written with a
///   port (`host:port`) matches only that port. Any other port is another UA on that host.
public struct ServedDomains: Sendable {
    /// The domain the server's own addresses name.
    public let defaultDomain: String
    private var names: [String: String] = [:]
    private var exact: [String: String] = [:]
    private let ports: Set<Int>

    /// An alias: a host (optionally `host:port`) and the domain it names (nil: the default).
    public struct Alias: Sendable, Hashable {
        /// `host` or `host:port`.
        public var name: String
        /// The domain it joins; nil for the default domain.
        public var domain: String?
        /// Creates an alias.
        public init(name: String, domain: String? = nil) {
            self.name = name
            self.domain = domain
        }

        /// Parses `NAME` or `NAME=DOMAIN` (`--alias`).
        public init?(argument: String) {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let first = parts.first, !first.isEmpty, parts.count == 1 || !parts[1].isEmpty else { return nil }
            self.init(name: first, domain: parts.count == 2 ? parts[1] : nil)
        }
    }

    /// Builds the table.
    /// - Parameters:
    ///   - domains: `-r` domains, in order (empty: the default domain is `localhost`).
    ///   - aliases: `--alias` entries.
    ///   - listening: the bound listeners (host and real port).
    ///   - advertised: the host put in Via and Record-Route.
    ///   - hostName: this machine's name (a default-domain name when no `-r` is given).
    public init(domains: [String], aliases: [Alias] = [], listening: [(host: String, port: Int)], advertised: String,
                hostName: String?) {
        defaultDomain = Self.normalize(domains.first ?? "localhost")
        ports = Set(listening.map(\.port))
        var own: [String] = [advertised, "localhost"]
        for entry in listening {
            own.append(entry.host)
            if entry.host == "0.0.0.0" || entry.host == "::" { own += ["127.0.0.1", "::1"] }
        }
        if domains.isEmpty, let hostName { own.append(hostName) }
        for name in own where Self.normalize(name) != "0.0.0.0" && Self.normalize(name) != "::" {
            names[Self.normalize(name)] = defaultDomain
        }
        for domain in domains { names[Self.normalize(domain)] = Self.normalize(domain) }
        for alias in aliases {
            let target = alias.domain.map(Self.normalize) ?? defaultDomain
            if let (host, port) = Self.splitPort(alias.name) {
                exact["\(Self.normalize(host)):\(port)"] = target
            } else {
                names[Self.normalize(alias.name)] = target
            }
        }
    }

    /// The domain `host` (with `port`, if the URI had one) names, or nil when it is not ours.
    public func domain(host: String, port: Int?) -> String? {
        let name = Self.normalize(host)
        if let port, let domain = exact["\(name):\(port)"] { return domain }
        if let port, !ports.contains(port) { return nil }
        return names[name]
    }

    /// Every hosted domain (the realms the server may challenge in).
    public var all: Set<String> { Set(names.values).union(exact.values) }

    /// Lower case, without IPv6 brackets.
    static func normalize(_ host: String) -> String {
        let lower = host.lowercased()
        return lower.hasPrefix("[") && lower.hasSuffix("]") ? String(lower.dropFirst().dropLast()) : lower
    }

    /// `host:port` → (host, port); nil when there is no numeric port (an IPv6 address in
    /// brackets keeps its colons).
    static func splitPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        if host.contains(":") && !(host.hasPrefix("[") && host.hasSuffix("]")) { return nil }
        return (host, port)
    }
}
