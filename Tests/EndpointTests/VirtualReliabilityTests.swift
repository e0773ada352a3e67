import Endpoint
import EndpointTesting
import Foundation
import SIPCore
import SIPDialog
import Testing

/// Reliable provisionals (RFC 3262) between Callwire endpoints through the proxy, RFC 5626
/// CRLF keep-alives on a TCP registration behind a NAT, and OPTIONS pings — on virtual time.
@Suite("Reliable provisionals and keep-alives, on virtual time", .serialized)
struct VirtualReliabilityTests {
    static func messages(_ probe: CallerProbe) -> [SIPMessageRecord] {
        probe.events.compactMap { if case .sipMessage(let record) = $0 { record } else { nil } }
    }

    @Test("--100rel required calls --100rel supported: the 180 comes reliably and is PRACKed (200), then the call is answered")
    func prack() async throws {
        let world = try VirtualWorld()
        let bob = try await world.callee("bob", host: "127.0.0.12", pipeline: VirtualWorld.tone(700), answerAfter: 1) {
            $0.reportSIPMessages = true
        }
        let alice = try await world.caller("alice", host: "127.0.0.11") {
            $0.pipeline = VirtualWorld.tone(500)
            $0.reliableProvisionals = .required
            $0.reportSIPMessages = true
        }
        let call = try await alice.caller.endpoint.dial(try world.address("bob"))
        await world.net.run(for: .seconds(2))
        #expect(await call.state == .active)
        let sent = Self.messages(alice).filter(\.sent)
        let received = Self.messages(alice).filter { !$0.sent }
        #expect(sent.filter { $0.method == "PRACK" && $0.status == nil }.count == 1, "one PRACK for the one reliable 180")
        #expect(received.contains { $0.method == "PRACK" && $0.status == 200 })
        let order = Self.messages(bob).filter { $0.call == call.id && $0.status != 100 }.map { "\($0.sent ? ">" : "<")\($0.status.map(String.init) ?? $0.method)" }
        let prackAt = order.firstIndex(of: "<PRACK") ?? -1, okAt = order.lastIndex(of: ">200") ?? -1
        #expect(order.starts(with: ["<INVITE", ">180"]) && prackAt > 1 && okAt > prackAt, "bob's side: \(order)")
        try await world.net.perform { await call.hangUp() }
        await world.close()
    }

    @Test("a caller that does not support 100rel gets 421 Extension Required from --100rel required")
    func extensionRequired() async throws {
        let world = try VirtualWorld()
        _ = try await world.callee("bob", host: "127.0.0.12", pipeline: VirtualWorld.tone(700)) { $0.reliableProvisionals = .required }
        let alice = try await world.caller("alice", host: "127.0.0.11") {
            $0.pipeline = VirtualWorld.tone(500)
            $0.reliableProvisionals = .no
        }
        let call = try await alice.caller.endpoint.dial(try world.address("bob"))
        await world.net.run(for: .seconds(1))
        #expect(await call.state == .closed)
        #expect(call.failure?.status == 421)
        await world.close()
    }

    /// Alice registered over TCP from behind a NAT that forgets idle flows after 120 s.
    func tcpAlice(_ world: VirtualWorld, keepAlive: Int) async throws -> CallerProbe {
        world.net.sip.placeBehindNAT(host: "127.0.0.11", port: 5060, idleTimeout: .seconds(120))
        return try await world.callee("alice", host: "127.0.0.11", pipeline: VirtualWorld.tone(500)) {
            $0.transports = [.tcp]
            $0.keepAlive = keepAlive
        }
    }

    @Test("a TCP registration behind a NAT stays reachable across 10 minutes with CRLF keep-alives (each answered); without them the flow is gone and a call to it fails")
    func crlfKeepAlive() async throws {
        let world = try VirtualWorld()
        let alice = try await tcpAlice(world, keepAlive: 30)
        let bob = try await world.caller("bob", host: "127.0.0.12") { $0.pipeline = VirtualWorld.tone(700) }
        await world.net.run(for: .seconds(600), step: .seconds(1))
        let (pings, pongs) = await alice.caller.endpoint.keepAliveCounts
        #expect(pings >= 20 && pings <= 25, "pings every 24–30 s for 10 minutes: \(pings)")
        #expect(pongs == pings, "every ping answered: \(pongs) of \(pings)")
        #expect(!alice.events.contains { if case .log(_, let text) = $0 { text.contains("flow") } else { false } })
        let call = try await bob.caller.endpoint.dial(try world.address("alice"))
        await world.net.run(for: .seconds(2))
        #expect(await call.state == .active, "the proxy reaches alice over her flow after 10 minutes")
        try await world.net.perform { await call.hangUp() }
        await world.close()

        let unkept = try VirtualWorld()
        _ = try await tcpAlice(unkept, keepAlive: 0)
        let bob2 = try await unkept.caller("bob", host: "127.0.0.12") { $0.pipeline = VirtualWorld.tone(700) }
        await unkept.net.run(for: .seconds(600), step: .seconds(1))
        let lost = try await bob2.caller.endpoint.dial(try unkept.address("alice"))
        await unkept.net.run(for: .seconds(40), step: .seconds(1))
        #expect(await lost.state == .closed)
        #expect((lost.failure?.status ?? 0) >= 400, "no flow to alice any more: \(String(describing: lost.failure))")
        await unkept.close()
    }

    @Test("a registrar that stops answering pings: the flow is declared failed within the interval plus 10 s, and the registration is sent again")
    func pongMissing() async throws {
        let world = try VirtualWorld()
        let alice = try await tcpAlice(world, keepAlive: 30)
        let registered = alice.events.filter { if case .registered = $0 { true } else { false } }.count
        world.net.sip.setAnswersKeepAlives(host: "127.0.0.10", port: 5060, false)
        let start = world.net.now
        let failed = await world.net.run(until: .seconds(60), step: .milliseconds(200)) {
            alice.events.contains { if case .log(_, let text) = $0 { text.contains("flow to 127.0.0.10:5060 failed") } else { false } }
        }
        #expect(failed)
        #expect(world.net.now - start <= .seconds(41), "noticed after \(world.net.now - start)")
        await world.net.run(for: .seconds(2))
        #expect(alice.events.filter { if case .registered = $0 { true } else { false } }.count == registered + 1, "registered again")
        await world.close()
    }

    @Test("--options-ping 5 to the proxy: it answers; when it falls silent the event comes within two intervals; when it answers again, so does the event")
    func optionsPing() async throws {
        let world = try VirtualWorld()
        let alice = try await world.caller("alice", host: "127.0.0.11") {
            $0.pipeline = VirtualWorld.tone(500)
            $0.listen = true
            $0.proxy = VirtualWorld.domain
            $0.optionsPing = 5
        }
        await world.net.run(for: .seconds(20), step: .milliseconds(500))
        #expect(!alice.events.contains { if case .peerUnreachable = $0 { true } else { false } }, "the proxy answers")
        world.net.sip.setSilent(host: "127.0.0.10", port: 5060, true)
        let silentFrom = world.net.now
        let reported = await world.net.run(until: .seconds(30), step: .milliseconds(100)) {
            alice.events.contains { if case .peerUnreachable = $0 { true } else { false } }
        }
        #expect(reported)
        #expect(world.net.now - silentFrom <= .seconds(10), "reported after \(world.net.now - silentFrom)")
        world.net.sip.setSilent(host: "127.0.0.10", port: 5060, false)
        let back = await world.net.run(until: .seconds(15), step: .milliseconds(100)) {
            alice.events.contains { if case .peerReachable = $0 { true } else { false } }
        }
        #expect(back)
        #expect(alice.events.filter { if case .peerUnreachable = $0 { true } else { false } }.count == 1, "reported once")
        await world.close()
    }
}
