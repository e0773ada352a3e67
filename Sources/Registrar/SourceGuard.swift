import NIOCore

/// Flood and guessing defences shared by the workers (anchors: Kamailio's pike module and htable
/// bans, Asterisk's security events):
///
/// - **rate limit** (`--rate-limit N`): a source address sending more than N requests in a
///   sliding second is banned for ``Limits/rateBan`` seconds; its datagrams are dropped before
///   they are parsed, and counted.
/// - **failed authentication** (`--auth-fail-limit N`): N failures within a minute from one
///   source address, or for one user name, ban that source (or user) for ``Limits/authBan``
///   seconds: its requests get 403 without their credentials being checked, so a password
///   cannot be guessed faster than N per ban period.
///
/// Every table is bounded (``Limits/capacity`` keys per table): counters forget their oldest
/// window when full, and the ban lists end their oldest ban early.
struct SourceGuard: Sendable {
    /// The limits (0 turns a check off).
    struct Limits: Sendable, Hashable {
        /// Requests per second per source address.
        var rate = 0
        /// Seconds a source that exceeded ``rate`` is dropped.
        var rateBan = 10.0
        /// Failed authentications per minute per source address or user.
        var authFailures = 10
        /// Seconds a source or user that reached ``authFailures`` is refused.
        var authBan = 300.0
        /// The most keys each table holds.
        var capacity = 100_000
    }

    /// What to do with a request from a source.
    enum Admission: Sendable, Hashable {
        /// Process it.
        case admit
        /// Drop it: the source is banned.
        case drop
        /// Drop it: the source just exceeded the rate and is banned from now on (log this).
        case banned
    }

    let limits: Limits
    private var requests: WindowCounter<SourceAddress>
    private var rateBans: ExpiringSet<SourceAddress>
    private var failures: WindowCounter<String>
    private var authBans: ExpiringSet<String>
    /// Requests dropped by the rate limit.
    private(set) var dropped = 0
    /// Requests refused because their source or user was banned after failed authentications.
    private(set) var refused = 0
    /// Failed authentications seen.
    private(set) var authFailures = 0

    init(limits: Limits, now: Double) {
        self.limits = limits
        requests = WindowCounter(window: 1, capacity: limits.capacity, now: now)
        rateBans = ExpiringSet(lifetime: limits.rateBan, capacity: limits.capacity)
        failures = WindowCounter(window: 60, capacity: limits.capacity, now: now)
        authBans = ExpiringSet(lifetime: limits.authBan, capacity: limits.capacity)
    }

    /// Counts a request from `source` and says whether to process it.
    mutating func admit(source: SourceAddress, now: Double) -> Admission {
        guard limits.rate > 0 else { return .admit }
        if rateBans.contains(source, now: now) {
            dropped += 1
            return .drop
        }
        guard requests.add(source, now: now) > limits.rate else { return .admit }
        rateBans.insert(source, now: now)
        dropped += 1
        return .banned
    }

    /// Why a request from `source` for `user` may not try to authenticate now, or nil.
    mutating func authenticationBlocked(source: String, user: String?, now: Double) -> String? {
        guard limits.authFailures > 0 else { return nil }
        if authBans.contains("source " + source, now: now) {
            refused += 1
            return "source \(source)"
        }
        if let user, authBans.contains("user " + user, now: now) {
            refused += 1
            return "user '\(user)'"
        }
        return nil
    }

    /// Records a failed authentication; returns what it banned ("source 1.2.3.4", "user 'x'").
    mutating func authenticationFailed(source: String, user: String?, now: Double) -> [String] {
        authFailures += 1
        guard limits.authFailures > 0 else { return [] }
        var banned: [String] = []
        if failures.add("source " + source, now: now) >= limits.authFailures {
            authBans.insert("source " + source, now: now)
            banned.append("source \(source)")
        }
        if let user, failures.add("user " + user, now: now) >= limits.authFailures {
            authBans.insert("user " + user, now: now)
            banned.append("user '\(user)'")
        }
        return banned
    }

    /// Keys held in all tables (for tests of the bounds).
    var tableSizes: (requests: Int, rateBans: Int, failures: Int, authBans: Int) {
        (requests.count, rateBans.count, failures.count, authBans.count)
    }
}

/// A source IP address as a hashable value, read from the socket address without making a
/// string (the rate limit looks one up for every datagram, floods included).
struct SourceAddress: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4):
            high = 0xFFFF
            low = UInt64(v4.address.sin_addr.s_addr)
        case .v6(let v6):
            var address = v6.address.sin6_addr
            (high, low) = withUnsafeBytes(of: &address) { ($0.load(fromByteOffset: 0, as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
        default:
            return nil
        }
    }

    /// The address of a numeric host string (for messages that arrived on a stream).
    init?(host: String) {
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return nil }
        self.init(address)
    }
}
