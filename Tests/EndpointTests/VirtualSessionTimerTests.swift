import Endpoint
import EndpointTesting
import Foundation
import SIPCore
import SIPDialog
import Testing

/// Session timers (RFC 4028) on virtual time: refreshes through the proxy, the BYE of the side
/// that waits for refreshes that do not come, and 422 Session Interval Too Small both ways.
@Suite("Session timers, on virtual time", .serialized)
struct VirtualSessionTimerTests {
    /// The `sip_message` records a probe kept.
    static func messages(_ probe: CallerProbe) -> [SIPMessageRecord] {
        probe.events.compactMap { if case .sipMessage(let record) = $0 { record } else { nil } }
    }

    @Test("a two-hour call with Session-Expires 90 through the proxy: the caller refreshes by UPDATE every 45 s, 160 of them, and the call stays up on both sides")
    func twoHourCall() async throws {
        let world = try VirtualWorld()
        let quiet = "silence rate=8000 ! @encoder ! @rtp-out  @rtp-in ! @decoder ! null-sink"
        // Plain RTP: two hours of SRTP on both sides would only make the test slower.
        let bob = try await world.callee("bob", host: "127.0.0.12", pipeline: quiet) {
            $0.reportSIPMessages = true
            $0.srtp = .off
        }
        let alice = try await world.caller("alice", host: "127.0.0.11") {
            $0.pipeline = quiet
            $0.srtp = .off
            $0.sessionExpires = 90
            $0.reportSIPMessages = true
        }
        let started = ContinuousClock.now
        let call = try await alice.caller.endpoint.dial(try world.address("bob"))
        await world.net.run(for: .seconds(1))
        #expect(await call.state == .active)
        let bobCall = try await world.onlyCall(of: bob)
        // Two hours (and ten seconds, away from a refresh boundary) after the answer.
        await world.net.run(for: .seconds(7_200 + 10), step: .seconds(1))
        #expect(await call.state == .active)
        #expect(await bobCall.state == .active)
        let sent = Self.messages(alice).filter { $0.sent }
        let updates = sent.filter { $0.method == "UPDATE" && $0.status == nil }
        #expect(updates.count == 160, "UPDATEs sent: \(updates.count)")
        #expect(!sent.contains { $0.method == "INVITE" && $0.cseq != "1 INVITE" }, "no refresh by re-INVITE: the peer allows UPDATE")
        let answered = Self.messages(alice).filter { !$0.sent && $0.method == "UPDATE" && $0.status == 200 }
        #expect(answered.count == 160)
        #expect(Self.messages(bob).filter { !$0.sent && $0.method == "UPDATE" && $0.status == nil }.count == 160,
                "every UPDATE went through the proxy to bob")
        print("two hours of call with session refreshes in \(ContinuousClock.now - started) of test time")
        try await world.net.perform { await call.hangUp() }
        await world.close()
    }

    @Test("a caller that asks Session-Expires: 90;refresher=uac and never refreshes: Callwire sends BYE 60 s after the answer (the interval less a third)")
    func byeWhenNoRefresh() async throws {
        let world = try VirtualWorld()
        let peer = try ScriptedPeer(net: world.net, host: "127.0.0.40") { $0.sessionTimer = SessionTimerPolicy(expires: 0) }
        let alice = try await world.caller("alice", host: "127.0.0.11") {
            $0.pipeline = VirtualWorld.tone(500)
            $0.register = false
            $0.listen = true
            $0.autoRespondAfter = 0
        }
        let sip = try peer.call("sip:alice@127.0.0.11:5060", headers: [(.sessionExpires, "90;refresher=uac"), (.supported, "timer")])
        let outcome = try await world.net.perform { await peer.agent.outcome(of: sip) }
        guard case .established(let ok) = outcome else {
            Issue.record("the call was not answered: \(outcome)")
            return
        }
        #expect(ok.headers[.sessionExpires] == "90;refresher=uac")
        #expect(ok.headers[.require]?.contains("timer") == true)
        let answered = world.net.now
        let ended = await world.net.run(until: .seconds(120)) {
            peer.requests.contains { $0.method == .bye }
        }
        #expect(ended)
        let elapsed = Double((world.net.now - answered).components.seconds)
        #expect(elapsed >= 59 && elapsed <= 61, "BYE after \(elapsed) s")
        #expect(alice.events.contains { if case .callEnded(_, "session timer expired") = $0 { true } else { false } })
        await world.close()
    }

    @Test("422 both ways: an INVITE asking 30 s gets 422 with Min-SE 90; Callwire's INVITE refused with Min-SE 300 is sent again with 300")
    func tooSmall() async throws {
        let world = try VirtualWorld()
        let peer = try ScriptedPeer(net: world.net, host: "127.0.0.40") { $0.sessionTimer = SessionTimerPolicy(expires: 600, minimum: 300) }
        let alice = try await world.caller("alice", host: "127.0.0.11") {
            $0.pipeline = VirtualWorld.tone(500)
            $0.register = false
            $0.listen = true
            $0.autoRespondAfter = 0
            $0.sessionExpires = 120
            $0.maxCalls = 2
        }
        // The peer asks too little of Callwire.
        let small = try peer.call("sip:alice@127.0.0.11:5060", headers: [(.sessionExpires, "30"), (.supported, "timer")])
        let refused = try await world.net.perform { await peer.agent.outcome(of: small) }
        guard case .failed(let status, _) = refused else {
            Issue.record("expected 422, got \(refused)")
            return
        }
        #expect(status == 422)
        // Callwire asks 120 of a peer whose minimum is 300: 422, then again with 300.
        let call = try await alice.caller.endpoint.dial(try NameAddress.parse(peer.uri))
        await world.net.run(for: .seconds(1))
        #expect(await call.state == .active)
        let invites = peer.requests.filter { $0.method == .invite }
        #expect(invites.map { $0.headers[.sessionExpires] ?? "-" } == ["120", "300"], "\(invites.map { $0.headers[.sessionExpires] ?? "-" })")
        #expect(invites.last?.headers[.minSE] == "300")
        try await world.net.perform { await call.hangUp() }
        await world.close()
    }
}
