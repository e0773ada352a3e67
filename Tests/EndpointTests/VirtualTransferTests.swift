import Endpoint
import EndpointTesting
import Foundation
import MediaTesting
import SIPCore
import SIPDialog
import Testing

/// Transfer on virtual time (RFC 3515, RFC 3891, RFC 5589): blind and attended through the
/// proxy, the transferee's policies, and the checks on an INVITE with Replaces.
@Suite("Transfer, on virtual time", .serialized)
struct VirtualTransferTests {
    static func messages(_ probe: CallerProbe) -> [SIPMessageRecord] {
        probe.events.compactMap { if case .sipMessage(let record) = $0 { record } else { nil } }
    }

    static func statuses(_ probe: CallerProbe) -> [Int] {
        probe.events.compactMap { if case .transferStatus(_, _, let status, _) = $0 { status } else { nil } }
    }

    /// What carol's recording holds at its end (the dominant frequency of the last second).
    func heard(_ world: VirtualWorld, _ path: String) throws -> Double {
        let (samples, rate) = try world.read(path)
        return AudioCheck.dominantFrequency(Array(samples.suffix(rate)), sampleRate: rate)
    }

    @Test("blind: bob transfers alice to carol; alice calls carol, NOTIFYs 100 then 200 (sipfrag), her call with bob ends; carol hears alice")
    func blind() async throws {
        let world = try VirtualWorld()
        let recording = world.path("carol.wav")
        let carol = try await world.callee("carol", host: "127.0.0.13", pipeline: VirtualWorld.tone(900, recording: recording))
        let (alice, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700), alice: VirtualWorld.tone(500)) {
            $0.reportSIPMessages = true
        }
        let bobCall = try await world.onlyCall(of: bob)
        let carolURI = try world.address("carol").uri
        let outcome = try await world.net.perform { await bobCall.transfer(to: carolURI) }
        #expect(outcome == .transferred)
        await world.net.run(for: .seconds(2))
        #expect(await call.state == .closed)
        // RFC 5589 §6: the transferor ends the call once told; no BYEs cross.
        #expect(bob.events.contains { if case .callEnded(_, "transferred") = $0 { true } else { false } })
        #expect(alice.events.contains { if case .callEnded(let id, "remote BYE") = $0 { id == call.id } else { false } })
        #expect(!Self.messages(alice).contains { $0.method == "BYE" && $0.status == 481 })
        #expect(alice.events.contains { if case .transferRequested(_, let target) = $0 { target == carolURI.description } else { false } })
        let now = await alice.caller.endpoint.liveCalls
        #expect(now.count == 1 && now.first?.peer.contains("carol") == true)
        #expect(await now.first?.state == .active)
        #expect(await bob.caller.endpoint.liveCalls.isEmpty)
        #expect(Self.statuses(bob) == [100, 200], "what bob's NOTIFYs said: \(Self.statuses(bob))")
        let notifies = Self.messages(alice).filter { $0.sent && $0.method == "NOTIFY" && $0.status == nil }.compactMap(\.note)
        #expect(notifies == ["SIP/2.0 100 Trying", "SIP/2.0 200 OK"], "\(notifies)")
        let carolCall = try await world.onlyCall(of: carol)
        #expect(await carolCall.state == .active)
        try await world.net.perform { await now.first?.hangUp() }
        #expect(abs(try heard(world, recording) - 500) < 10, "carol hears alice's tone")
        await world.close()
    }

    @Test("attended: bob, in calls with alice and carol, transfers alice to carol with Replaces; carol's new call replaces bob's, bob has no call left, carol hears alice")
    func attended() async throws {
        let world = try VirtualWorld()
        let recording = world.path("carol.wav")
        let carol = try await world.callee("carol", host: "127.0.0.13", pipeline: VirtualWorld.tone(900, recording: recording))
        let bob = try await world.callee("bob", host: "127.0.0.12", pipeline: VirtualWorld.tone(700), maxCalls: 2)
        let alice = try await world.caller("alice", host: "127.0.0.11") { $0.pipeline = VirtualWorld.tone(500) }
        let call = try await alice.caller.endpoint.dial(try world.address("bob"))
        await world.net.run(for: .seconds(1))
        let bobWithAlice = try await world.onlyCall(of: bob)
        #expect(try await world.net.perform { await bobWithAlice.hold() } == 200)
        let bobWithCarol = try await bob.caller.endpoint.dial(try world.address("carol"))
        await world.net.run(for: .seconds(1))
        #expect(await bobWithCarol.state == .active)
        let carolWithBob = try await world.onlyCall(of: carol)
        let outcome = try await world.net.perform { await bobWithAlice.transfer(to: bobWithCarol) }
        #expect(outcome == .transferred)
        await world.net.run(for: .seconds(2))
        #expect(await bob.caller.endpoint.liveCalls.isEmpty, "bob is out of both calls")
        #expect(await carolWithBob.state == .closed)
        #expect(bob.events.contains { if case .callEnded(let id, "remote BYE") = $0 { id == bobWithCarol.id } else { false } },
                "carol ended her call with bob herself (Replaces)")
        #expect(carol.events.contains { if case .log(_, let text) = $0 { text.contains("replaces call") } else { false } })
        let carolNow = await carol.caller.endpoint.liveCalls
        #expect(carolNow.count == 1 && carolNow.first?.peer.contains("alice") == true)
        #expect(await call.state == .closed)
        let aliceNow = await alice.caller.endpoint.liveCalls
        #expect(aliceNow.count == 1 && aliceNow.first?.peer.contains("carol") == true)
        #expect(await aliceNow.first?.state == .active)
        await world.net.run(for: .seconds(2))
        try await world.net.perform { await aliceNow.first?.hangUp() }
        #expect(abs(try heard(world, recording) - 500) < 10, "carol hears alice's tone")
        await world.close()
    }

    @Test("--accept-transfer ask: /decline keeps the call and NOTIFYs 603; /accept goes ahead; --accept-transfer no answers 603 at once")
    func policies() async throws {
        let world = try VirtualWorld()
        _ = try await world.callee("carol", host: "127.0.0.13", pipeline: VirtualWorld.tone(900))
        let (alice, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700), alice: VirtualWorld.tone(500)) {
            $0.acceptTransfer = .ask
        }
        let bobCall = try await world.onlyCall(of: bob)
        let carolURI = try world.address("carol").uri
        let declined = Task { await bobCall.transfer(to: carolURI) }
        let asked = await world.net.run(until: .seconds(5)) {
            alice.events.contains { if case .transferRequested = $0 { true } else { false } }
        }
        #expect(asked)
        alice.caller.input("/decline")
        let first = try await world.net.perform { await declined.value }
        #expect(first == .failed(status: 603, reason: "Declined"), "\(first)")
        #expect(await call.state == .active, "the call goes on")
        let accepted = Task { await bobCall.transfer(to: carolURI) }
        _ = await world.net.run(until: .seconds(5)) {
            alice.events.filter { if case .transferRequested = $0 { true } else { false } }.count == 2
        }
        #expect(await call.acceptTransfer())
        #expect(try await world.net.perform { await accepted.value } == .transferred)
        await world.net.run(for: .seconds(1))
        #expect(await call.state == .closed)
        await world.close()

        let refusing = try VirtualWorld()
        let (_, bob2, _) = try await refusing.aliceCallsBob(bob: VirtualWorld.tone(700), alice: VirtualWorld.tone(500)) {
            $0.acceptTransfer = .no
        }
        let bob2Call = try await refusing.onlyCall(of: bob2)
        let refused = try await refusing.net.perform { await bob2Call.transfer(to: carolURI) }
        #expect(refused == .failed(status: 603, reason: "Decline"), "\(refused)")
        await refusing.close()
    }

    @Test("REFER with Refer-Sub: false (RFC 4488): 202 says Refer-Sub: false, the target is called, and no NOTIFY is sent")
    func noSubscription() async throws {
        let world = try VirtualWorld()
        let carol = try await world.callee("carol", host: "127.0.0.13", pipeline: VirtualWorld.tone(900))
        let peer = try ScriptedPeer(net: world.net, host: "127.0.0.40")
        let alice = try await world.caller("alice", host: "127.0.0.11") { $0.pipeline = VirtualWorld.tone(500) }
        _ = try await alice.caller.endpoint.dial(try NameAddress.parse(peer.uri))
        await world.net.run(for: .seconds(1))
        let sip = try #require(peer.call)
        let (status, response) = try await world.net.perform {
            await peer.request(.refer, in: sip, headers: [(.referTo, "<sip:carol@\(VirtualWorld.domain)>"), (.referSub, "false")])
        }
        #expect(status == 202)
        #expect(response?.headers[.referSub] == "false")
        await world.net.run(for: .seconds(3))
        #expect(await carol.caller.endpoint.liveCalls.count == 1, "carol was called")
        #expect(!peer.requests.contains { $0.method == .notify }, "no NOTIFY without a subscription")
        #expect(peer.requests.contains { $0.method == .bye }, "the transferee ended the call itself, the transferor did not")
        await world.close()
    }

    @Test("an INVITE with Replaces (RFC 3891 §3): unknown dialog 481, two Replaces 400, early-only on a confirmed call 486, an ended call 603; a valid one is answered at once and the old call gets BYE")
    func replacesChecks() async throws {
        let world = try VirtualWorld()
        let first = try ScriptedPeer(net: world.net, host: "127.0.0.40")
        let second = try ScriptedPeer(net: world.net, host: "127.0.0.41")
        let alice = try await world.caller("alice", host: "127.0.0.11") {
            $0.pipeline = VirtualWorld.tone(500)
            $0.register = false
            $0.listen = true
            $0.autoRespondAfter = 5
        }
        let target = "sip:alice@127.0.0.11:5060"
        let original = try first.call(target)
        _ = try await world.net.perform { await first.agent.outcome(of: original) }
        let dialog = try #require(original.dialog)
        let good = Replaces(replacingAtPeer: dialog)
        func attempt(_ headers: [(SIPHeaderName, String)]) async throws -> SIPUserAgent.CallOutcome {
            let call = try second.call(target, headers: headers)
            return try await world.net.perform { await second.agent.outcome(of: call) }
        }
        func status(_ outcome: SIPUserAgent.CallOutcome) -> Int {
            switch outcome {
            case .established: 200
            case .failed(let status, _): status
            }
        }
        #expect(status(try await attempt([(.replaces, "nosuchcall@x;to-tag=a;from-tag=b")])) == 481)
        #expect(status(try await attempt([(.replaces, good.description), (.replaces, good.description)])) == 400)
        var earlyOnly = good
        earlyOnly.earlyOnly = true
        #expect(status(try await attempt([(.replaces, earlyOnly.description)])) == 486)
        // A valid Replaces: answered without ringing (autoRespondAfter is 5 s), the old call ends.
        let replacing = try second.call(target, headers: [(.replaces, good.description)])
        let answeredAt = world.net.now
        #expect(status(try await world.net.perform { await second.agent.outcome(of: replacing) }) == 200)
        #expect(world.net.now - answeredAt < .seconds(1), "answered at once")
        await world.net.run(for: .seconds(1))
        #expect(first.requests.contains { $0.method == .bye }, "the replaced call got BYE")
        #expect(alice.events.contains { if case .callEnded(_, "replaced") = $0 { true } else { false } })
        // Replacing the call that has just ended: 603.
        #expect(status(try await attempt([(.replaces, good.description)])) == 603)
        await world.close()
    }
}
