import Endpoint
import EndpointTesting
import Foundation
import MediaTesting
import SIPCore
import TestSupport
import Testing

/// Whole calls through the proxy on virtual time: endpoints and `callwire server` in one
/// process, SIP and RTP in memory, every timer and media tick on one loop.
@Suite("Calls on virtual time", .serialized)
struct VirtualCallTests {
    @Test("a call through the proxy: media both ways, the caller's BYE ends it on both sides")
    func callAndBye() async throws {
        let world = try VirtualWorld()
        let recording = world.path("bob.wav")
        let (_, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700, recording: recording), alice: VirtualWorld.tone(500),
                                                          run: .seconds(3))
        #expect(await call.state == .active)
        let bobCall = try await world.onlyCall(of: bob)
        #expect(await bobCall.state == .active)
        try await world.net.perform { await call.hangUp() }
        #expect(await call.state == .closed)
        #expect(await bobCall.state == .closed)
        #expect(bob.events.contains { if case .callEnded(_, "remote BYE") = $0 { true } else { false } })
        let (heard, rate) = try world.read(recording)
        let seconds = Double(heard.count) / Double(rate)
        #expect(seconds > 2.5 && seconds < 3.1, "bob recorded the call: \(seconds) s")
        #expect(abs(AudioCheck.dominantFrequency(Array(heard.suffix(rate)), sampleRate: rate) - 500) < 10)
        await world.close()
    }

    @Test("the callee's BYE ends the call on both sides")
    func calleeHangsUp() async throws {
        let world = try VirtualWorld()
        let (alice, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700), alice: VirtualWorld.tone(500))
        let bobCall = try await world.onlyCall(of: bob)
        try await world.net.perform { await bobCall.hangUp() }
        await world.net.run(for: .milliseconds(200))
        #expect(await call.state == .closed)
        #expect(alice.events.contains { if case .callEnded(_, "remote BYE") = $0 { true } else { false } })
        #expect(await alice.caller.endpoint.liveCalls.isEmpty)
        #expect(await bob.caller.endpoint.liveCalls.isEmpty)
        await world.close()
    }

    @Test("hanging up while it rings sends CANCEL: the INVITE ends 487 and both sides close")
    func cancelWhileRinging() async throws {
        let world = try VirtualWorld()
        let (_, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700), alice: VirtualWorld.tone(500), answerAfter: 30)
        #expect(await call.state == .ringing)
        try await world.net.perform { await call.hangUp() }
        await world.net.run(for: .milliseconds(500))
        #expect(await call.state == .closed)
        #expect(call.failure?.status == 487)
        #expect(bob.events.contains { if case .callEnded(_, "CANCEL") = $0 { true } else { false } })
        #expect(await bob.caller.endpoint.liveCalls.isEmpty)
        await world.close()
    }

    @Test("--max-calls 3 --record 'calls/%i.wav': three calls at once, each in its own file with its own audio; a fourth gets 486")
    func threeCalls() async throws {
        let world = try VirtualWorld()
        let folder = world.path("calls")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let bob = try await world.caller("bob", host: "127.0.0.12") {
            $0.listen = true
            $0.maxCalls = 3
            $0.record = folder + "/%i.wav"
        }
        var calls: [(Call, Int)] = []
        for (index, frequency) in [400, 600, 800].enumerated() {
            let caller = try await world.caller("c\(index)", host: "127.0.0.\(20 + index)") { $0.pipeline = VirtualWorld.tone(frequency) }
            calls.append((try await caller.caller.endpoint.dial(try world.address("bob")), frequency))
        }
        await world.net.run(for: .seconds(1))
        #expect(await bob.caller.endpoint.liveCalls.count == 3)
        let fourth = try await world.caller("late", host: "127.0.0.30") { $0.pipeline = VirtualWorld.tone(1_000) }
        let refused = try await fourth.caller.endpoint.dial(try world.address("bob"))
        await world.net.run(for: .seconds(2))
        #expect(refused.failure?.status == 486, "\(String(describing: refused.failure))")
        for (call, _) in calls { #expect(await call.state == .active) }
        for (call, _) in calls { try await world.net.perform { await call.hangUp() } }
        for (call, frequency) in calls {
            let (rate, channels) = try readChannels(folder + "/" + call.id + ".wav")
            #expect(channels.count == 2, "a stereo recording per call")
            let heard = channels.last ?? []
            #expect(Double(heard.count) / Double(max(rate, 1)) > 2.5)
            let tail = Array(heard.suffix(rate))
            #expect(abs(AudioCheck.dominantFrequency(tail, sampleRate: rate) - Double(frequency)) < 10, "\(call.id)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 3)
        await world.close()
    }

    /// Through a proxy, glare need not show on both sides: when one side's 491 gets back before
    /// the other side's re-INVITE has been forwarded, that re-INVITE meets no pending offer and
    /// is answered 200 (RFC 3261 §14.2 asks for 491 only while an offer is pending). What must
    /// hold is that the crossing is detected, the refused side retries after the §14.1 wait,
    /// and both holds end 200 with the call held both ways. (The dialog-layer glare test, with
    /// no proxy between the two, sees 491 both ways.)
    @Test("re-INVITEs that cross (both sides hold at once) through the proxy: a 491, the §14.1 retry, and both holds succeed")
    func glare() async throws {
        let world = try VirtualWorld()
        let (alice, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700), alice: VirtualWorld.tone(500))
        let bobCall = try await world.onlyCall(of: bob)
        world.net.sip.suspendDelivery()
        let aliceHold = Task { await call.hold() }, bobHold = Task { await bobCall.hold() }
        try await Readiness.wait(for: "both re-INVITEs sent", timeout: .seconds(10)) { world.net.sip.invitesHeld >= 2 }
        world.net.sip.resumeDelivery()
        let refused = { (probe: CallerProbe) in probe.events.contains { if case .response("INVITE", 491, _, _, _) = $0 { true } else { false } } }
        let crossed = await world.net.run(until: .seconds(10)) { refused(alice) || refused(bob) }
        let responses = { (probe: CallerProbe) in probe.events.filter { if case .response = $0 { true } else { false } } }
        #expect(crossed, "a 491 came back; alice saw \(responses(alice)); bob saw \(responses(bob))")
        let statuses = try await world.net.perform { (await aliceHold.value, await bobHold.value) }
        #expect(statuses.0 == 200 && statuses.1 == 200, "\(statuses)")
        #expect(await call.state == .held([.local, .remote]))
        #expect(await bobCall.state == .held([.local, .remote]))
        try await world.net.perform { await call.hangUp() }
        await world.close()
    }

    @Test("--dtmf-mode info: typed keys go out as SIP INFO (dtmf-relay) and the far end reports them as keys")
    func infoDTMF() async throws {
        let world = try VirtualWorld()
        let (alice, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700), alice: VirtualWorld.tone(500)) {
            $0.dtmfMode = .info
        }
        alice.caller.input("12#")
        let all = await world.net.run(until: .seconds(5)) {
            bob.events.filter { if case .dtmfReceived(_, _, "info") = $0 { true } else { false } }.count == 3
        }
        #expect(all)
        let keys = bob.events.compactMap { event -> String? in if case .dtmfReceived(_, let key, _) = event { key } else { nil } }
        #expect(keys.joined() == "12#")
        try await world.net.perform { await call.hangUp() }
        await world.close()
    }
}
