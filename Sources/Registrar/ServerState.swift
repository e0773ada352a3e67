import Foundation
import SIPCore
import SIPTransport
import Synchronization

/// What the workers share: the domains, the bindings, the defences and the counters. The
/// bindings and defences sit behind locks held only for a table operation.
final class ServerState: Sendable {
    let options: SIPServer.Options
    let domains: ServedDomains
    /// The server's own `host:port` pairs (Via sent-by and Route matching, §16.4).
    let ourAddresses: Set<String>
    let location: Mutex<LocationService>
    let guardian: Mutex<SourceGuard>
    let counters = ServerCounters()
    /// The Digest nonce secret, one for every worker, so a nonce one issued verifies on another.
    let digestSecret: [UInt8]
    /// H(A1) stand-in for unknown users, so their credentials cost the same hashing as a known
    /// user's (no user enumeration by timing).
    let decoyPassword: String

    init(options: SIPServer.Options, listening: [SIPDestination], advertised: SIPDestination, now: Double) {
        self.options = options
        domains = ServedDomains(domains: options.domains, aliases: options.aliases, listening: listening.map { ($0.host, $0.port) },
                                advertised: advertised.host, hostName: ProcessInfo.processInfo.hostName)
        var addresses = Set(listening.map { $0.hostPort.lowercased() } + [advertised.hostPort.lowercased()])
        for entry in listening {
            // A wildcard listener answers on every local address; loopback is also `localhost`.
            let aliases = entry.host == "0.0.0.0" || entry.host == "::" ? ["127.0.0.1", "localhost", "[::1]", advertised.host]
                : entry.host == "127.0.0.1" || entry.host == "::1" ? ["localhost"] : []
            for host in aliases { addresses.insert("\(host):\(entry.port)") }
        }
        ourAddresses = addresses
        var service = LocationService(capacity: options.maximumBindings, now: now)
        if let store = options.store {
            let wall = Date().timeIntervalSince1970
            for (aor, binding, expiresAt) in store.load() where expiresAt > wall {
                var restored = binding
                restored.expires = now + (expiresAt - wall)
                service.restore(aorKey: aor, binding: restored, now: now)
            }
        }
        location = Mutex(service)
        guardian = Mutex(SourceGuard(limits: .init(rate: options.rateLimit, rateBan: options.rateBan, authFailures: options.authFailLimit,
                                                   authBan: options.authBan, capacity: options.maximumSources), now: now))
        var generator = SystemRandomNumberGenerator()
        digestSecret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        decoyPassword = SIPIdentifiers.random(24)
    }

    /// Whether a host and port are this server's own address.
    func isUs(host: String, port: Int?) -> Bool {
        let lower = host.lowercased()
        if let port { return ourAddresses.contains("\(lower):\(port)") }
        return ourAddresses.contains { $0.hasPrefix(lower + ":") }
    }

    func statistics() -> ServerStatistics {
        var statistics = ServerStatistics()
        statistics.requests = counters.requests.load(ordering: .relaxed)
        statistics.finalResponses = counters.finalResponses.load(ordering: .relaxed)
        statistics.malformed = counters.malformed.load(ordering: .relaxed)
        statistics.overloaded = counters.overloaded.load(ordering: .relaxed)
        guardian.withLock { guardian in
            statistics.rateLimited = guardian.dropped
            statistics.authenticationFailures = guardian.authFailures
            statistics.authenticationRefused = guardian.refused
        }
        statistics.bindings = location.withLock { $0.count }
        return statistics
    }
}

/// Counters the workers add to without a lock.
final class ServerCounters: Sendable {
    let requests = Atomic<Int>(0)
    let finalResponses = Atomic<Int>(0)
    let malformed = Atomic<Int>(0)
    let overloaded = Atomic<Int>(0)
}
