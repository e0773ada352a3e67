public import SIPCore
public import SIPTransport
import Dispatch
import Synchronization

/// Finds where to send a request for a SIP URI (RFC 3263 §4): transport, address and port,
/// as an ordered list of targets to try one after another.
///
/// - A numeric host skips DNS: the URI's `transport=` (or TLS for `sips:`, else UDP) and port.
/// - An explicit port skips NAPTR and SRV: A/AAAA of the host.
/// - `transport=` without a port skips NAPTR: SRV for that transport, then A/AAAA.
/// - Otherwise NAPTR (SIP+D2U, SIP+D2T, SIPS+D2T, by order and preference) leads to SRV; with no
///   NAPTR, SRV is tried for each supported transport (SIPS first for `sips:`); with no SRV,
///   A/AAAA with the default transport and port.
///
/// SRV targets are ordered by priority, and within a priority by weighted random choice
/// (RFC 2782). Answers are cached: addresses for their TTL, NAPTR and SRV for ``recordTTL``
/// (c-ares's parsers do not report those TTLs).
public final class SIPResolver: Sendable {
    /// The DNS queries.
    public let lookup: any DNSLookup
    /// The transports this endpoint can use.
    public let transports: Set<SIPTransportKind>
    /// How long NAPTR and SRV answers are cached.
    public let recordTTL: Duration
    private let cache = Mutex<[String: (expires: ContinuousClock.Instant, value: [SIPDestination])]>([:])
    private let clock = ContinuousClock()

    /// Creates a resolver.
    public init(lookup: any DNSLookup, transports: Set<SIPTransportKind> = [.udp, .tcp, .tls], recordTTL: Duration = .seconds(60)) {
        self.lookup = lookup
        self.transports = transports
        self.recordTTL = recordTTL
    }

    /// The targets for `uri`, in the order to try them.
    /// - Throws: ``DNSError`` when DNS fails or finds nothing.
    public func resolve(_ uri: SIPURI) async throws(DNSError) -> [SIPDestination] {
        let key = uri.description
        if let hit = cache.withLock({ $0[key] }), hit.expires > clock.now { return hit.value }
        let result: Result<([SIPDestination], Int), DNSError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(DNSError) {
                    continuation.resume(returning: .success(try self.resolveBlocking(uri)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        let (targets, ttl) = try result.get()
        guard !targets.isEmpty else { throw DNSError("no address found for \(uri.host)") }
        cache.withLock { $0[key] = (clock.now + .seconds(ttl), targets) }
        return targets
    }

    /// The resolution itself, on the calling thread; returns the targets and the TTL to cache them.
    func resolveBlocking(_ uri: SIPURI) throws(DNSError) -> ([SIPDestination], Int) {
        let secure = uri.scheme == .sips
        let host = uri.host.hasPrefix("[") ? String(uri.host.dropFirst().dropLast()) : uri.host
        let explicit = uri.transport.flatMap(SIPTransportKind.init(token:))
        let recordSeconds = Int(recordTTL.components.seconds)
        // §4.1 numeric host, or explicit port: no NAPTR/SRV.
        if Self.isNumeric(host) {
            let kind = explicit ?? (secure ? .tls : .udp)
            return ([SIPDestination(kind: kind, host: host, port: uri.port ?? kind.defaultPort)], 86_400)
        }
        if let port = uri.port {
            let kind = explicit ?? (secure ? .tls : .udp)
            let addresses = try lookup.addresses(host)
            return (addresses.map { SIPDestination(kind: kind, host: $0.address, port: port, serverName: host) },
                    addresses.map(\.ttl).min() ?? recordSeconds)
        }
        if let kind = explicit {
            let targets = try srvTargets(Self.srvName(kind, secure: secure, domain: host), kind: kind, domain: host)
            if !targets.isEmpty { return (targets, recordSeconds) }
            let addresses = try lookup.addresses(host)
            return (addresses.map { SIPDestination(kind: kind, host: $0.address, port: kind.defaultPort, serverName: host) },
                    addresses.map(\.ttl).min() ?? recordSeconds)
        }
        // §4.1 NAPTR.
        let services: [String: SIPTransportKind] = secure ? ["SIPS+D2T": .tls] : ["SIP+D2U": .udp, "SIP+D2T": .tcp, "SIPS+D2T": .tls]
        let naptr = try lookup.naptr(host)
            .filter { $0.flags.lowercased() == "s" && services[$0.service.uppercased()].map(transports.contains) == true }
            .sorted { ($0.order, $0.preference) < ($1.order, $1.preference) }
        var targets: [SIPDestination] = []
        for record in naptr {
            guard let kind = services[record.service.uppercased()] else { continue }
            targets += try srvTargets(record.replacement, kind: kind, domain: host)
        }
        if !targets.isEmpty { return (targets, recordSeconds) }
        // No NAPTR: SRV for each transport this side supports (§4.1, last paragraphs).
        let candidates: [SIPTransportKind] = secure ? [.tls] : [.udp, .tcp]
        for kind in candidates where transports.contains(kind) {
            targets += try srvTargets(Self.srvName(kind, secure: secure, domain: host), kind: kind, domain: host)
        }
        if !targets.isEmpty { return (targets, recordSeconds) }
        let kind: SIPTransportKind = secure ? .tls : .udp
        let addresses = try lookup.addresses(host)
        return (addresses.map { SIPDestination(kind: kind, host: $0.address, port: kind.defaultPort, serverName: host) },
                addresses.map(\.ttl).min() ?? recordSeconds)
    }

    private func srvTargets(_ name: String, kind: SIPTransportKind, domain: String) throws(DNSError) -> [SIPDestination] {
        var targets: [SIPDestination] = []
        for record in Self.order(try lookup.srv(name)) where record.target != "." {
            for address in try lookup.addresses(record.target) {
                targets.append(SIPDestination(kind: kind, host: address.address, port: record.port, serverName: domain))
            }
        }
        return targets
    }

    static func srvName(_ kind: SIPTransportKind, secure: Bool, domain: String) -> String {
        switch kind {
        case .udp: "_sip._udp.\(domain)"
        case .tcp: "_sip._tcp.\(domain)"
        case .tls: "_sips._tcp.\(domain)"
        }
    }

    /// RFC 2782 ordering: ascending priority; within one, repeatedly pick at random with
    /// probability proportional to weight (zero weights last among equals).
    static func order(_ records: [SRVRecord], random: () -> Double = { Double.random(in: 0..<1) }) -> [SRVRecord] {
        var result: [SRVRecord] = []
        for priority in Set(records.map(\.priority)).sorted() {
            var group = records.filter { $0.priority == priority }.sorted { $0.weight < $1.weight }
            while !group.isEmpty {
                let total = group.reduce(0) { $0 + $1.weight }
                var pick = 0
                if total > 0 {
                    let threshold = random() * Double(total)
                    var running = 0
                    for (index, record) in group.enumerated() {
                        running += record.weight
                        if Double(running) > threshold {
                            pick = index
                            break
                        }
                    }
                }
                result.append(group.remove(at: pick))
            }
        }
        return result
    }

    /// ``order(_:random:)`` for tests.
    public static func testingOrder(_ records: [SRVRecord], random: () -> Double) -> [SRVRecord] { order(records, random: random) }

    static func isNumeric(_ host: String) -> Bool {
        host.contains(":") || (host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
    }
}
