import Foundation
import SIPCore
import SIPDialog
import SIPResolver
import SIPTransport
import TestSupport
import Testing

/// RFC 3263 against a dnsmasq the test starts on 127.0.0.1 (never the system resolver).
@Suite("RFC 3263 resolution", .serialized, .timeLimit(.minutes(2)))
struct ResolutionTests {
    /// A dnsmasq serving `records` on a free port on 127.0.0.1; stop it with ``stop()``.
    ///
    /// It is started through `sh … &` so it is not a direct child: dnsmasq closes every
    /// inherited descriptor at start-up, which Foundation's `Process` takes for the child's exit
    /// and then blocks its reaper thread in `wait4` — for every process in the test run.
    struct DNSServer {
        let pid: Int32
        let port: Int
        // SIGKILL: dnsmasq inherits a signal mask with SIGTERM blocked from the test process.
        func stop() { kill(pid, SIGKILL) }
    }

    func dnsmasq(_ records: [String]) throws -> DNSServer {
        let binary = try tool("dnsmasq")
        let port = FreePort.next([.udp, .tcp])
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("dnsmasq-\(UUID()).conf")
        try (["port=\(port)", "listen-address=127.0.0.1", "bind-interfaces", "no-resolv", "no-hosts", "user=root"] + records)
            .joined(separator: "\n").write(to: config, atomically: true, encoding: .utf8)
        let started = try shell("\(binary) --conf-file=\(config.path) --keep-in-foreground > /dev/null 2>&1 & echo $!")
        guard let pid = Int32(started.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SetupError("dnsmasq did not start: \(started.output)")
        }
        do {
            try Readiness.waitUntilListeningSync(port: port, timeout: .seconds(20))
        } catch {
            kill(pid, SIGKILL)
            throw SetupError("dnsmasq did not start listening on 127.0.0.1:\(port): \(error)")
        }
        return DNSServer(pid: pid, port: port)
    }

    let zone = [
        "naptr-record=example.test,10,50,\"s\",\"SIP+D2T\",\"\",_sip._tcp.example.test",
        "naptr-record=example.test,20,50,\"s\",\"SIP+D2U\",\"\",_sip._udp.example.test",
        "srv-host=_sip._tcp.example.test,first.example.test,PORT1,10,100",
        "srv-host=_sip._tcp.example.test,second.example.test,PORT2,20,100",
        "srv-host=_sip._udp.example.test,first.example.test,PORT1,10,100",
        "host-record=first.example.test,127.0.0.1",
        "host-record=second.example.test,127.0.0.2",
        "host-record=plain.example.test,127.0.0.3",
    ]

    @Test("NAPTR → SRV → A: targets in NAPTR order, SRV priority, with the domain for TLS names")
    func lookupOrder() async throws {
        let server = try dnsmasq(zone.map { $0.replacingOccurrences(of: "PORT1", with: "5071").replacingOccurrences(of: "PORT2", with: "5072") })
        defer { server.stop() }
        let resolver = SIPResolver(lookup: CAresLookup(servers: "127.0.0.1:\(server.port)"))
        let targets = try await resolver.resolve(try SIPURI.parse("sip:alice@example.test"))
        #expect(targets.map(\.description) == ["tcp:127.0.0.1:5071", "tcp:127.0.0.2:5072", "udp:127.0.0.1:5071"])
        #expect(targets.first?.serverName == "example.test")
        // transport= skips NAPTR; an explicit port skips SRV; a numeric host skips DNS.
        #expect(try await resolver.resolve(try SIPURI.parse("sip:alice@example.test;transport=udp")).map(\.description) == ["udp:127.0.0.1:5071"])
        #expect(try await resolver.resolve(try SIPURI.parse("sip:alice@plain.example.test:5080")).map(\.description) == ["udp:127.0.0.3:5080"])
        #expect(try await resolver.resolve(try SIPURI.parse("sips:alice@127.0.0.9")).map(\.description) == ["tls:127.0.0.9:5061"])
        await #expect(throws: DNSError.self) { try await resolver.resolve(try SIPURI.parse("sip:alice@nowhere.test")) }
    }

    @Test("SRV weights share the load; zero-weight records come last within their priority")
    func weights() {
        let records = [SRVRecord(priority: 10, weight: 0, port: 1, target: "z"), SRVRecord(priority: 10, weight: 30, port: 2, target: "a"),
                       SRVRecord(priority: 10, weight: 70, port: 3, target: "b"), SRVRecord(priority: 5, weight: 1, port: 4, target: "first")]
        var firstB = 0
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let ordered = SIPResolver.testingOrder(records) { Double.random(in: 0..<1, using: &generator) }
            #expect(ordered.first?.target == "first" && ordered.last?.target == "z")
            if ordered[1].target == "b" { firstB += 1 }
        }
        #expect((1_250...1_550).contains(firstB), "b (weight 70 of 100) first in \(firstB) of 2000")
    }

    @Test("a call to sip:alice@example.test reaches the SRV target; with the first target down, it fails over to the second")
    func failover() async throws {
        let transport = try await SIPNetworkTransport.start(TransportOptions(listeners: [
            .init(kind: .tcp, host: "127.0.0.2", port: 0), .init(kind: .udp, host: "127.0.0.2", port: 0)]))
        let bob = TestAgent.make(transport, kind: .tcp, user: "alice")
        let second = transport.listening[0].port
        // The first target's port: free, nobody listening (the connection is refused).
        let first = FreePort.next(.tcp)
        let server = try dnsmasq(zone.map { $0.replacingOccurrences(of: "PORT1", with: String(first))
            .replacingOccurrences(of: "PORT2", with: String(second)) })
        defer { server.stop() }
        let resolver = SIPResolver(lookup: CAresLookup(servers: "127.0.0.1:\(server.port)"), transports: [.tcp])
        let uri = try SIPURI.parse("sip:alice@example.test")
        let targets = try await resolver.resolve(uri)
        #expect(targets.count == 2)
        let callerTransport = try await SIPNetworkTransport.start(TransportOptions(listeners: [.init(kind: .tcp, host: "127.0.0.1", port: 0)]))
        let caller = TestAgent.make(callerTransport, kind: .tcp, user: "caller")
        let (call, outcome) = await caller.agent.invite(uri, from: NameAddress(uri: SIPURI(user: "caller", host: "127.0.0.1")),
                                                        to: NameAddress(uri: uri), destination: targets[0],
                                                        fallbacks: Array(targets.dropFirst()))
        guard case .established = outcome else {
            Issue.record("the call did not fail over: \(outcome)")
            return
        }
        #expect(bob.agent.answered == 1)
        await caller.agent.hangUp(call)
        await callerTransport.close()
        await transport.close()
    }
}
