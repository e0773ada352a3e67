import SIPCore
import SIPDialog
import SIPTransport
import Testing

@Suite("User agents over the loopback transport", .timeLimit(.minutes(1)))
struct UserAgentTests {
    @Test("a call is answered, confirmed by ACK, and ended by BYE; both sides see it end")
    func callAndHangUp() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(), user: "alice"), bob = TestAgent.make(network.endpoint(), user: "bob")
        let log = EventLog()
        alice.agent.onEvent { log.append($0) }
        let (call, outcome) = await alice.call(bob)
        guard case .established(let response) = outcome else {
            Issue.record("not established: \(outcome)")
            return
        }
        #expect(response.status == 200 && call.state == .established && !call.remoteBody.isEmpty)
        await alice.agent.hangUp(call)
        #expect(call.state == .terminated)
        #expect(log.statuses.contains(200))
    }

    @Test("CANCEL before the answer: 200 for the CANCEL, 487 for the INVITE; a CANCEL asked before any provisional waits for one")
    func cancel() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(), user: "alice")
        let bob = TestAgent.make(network.endpoint(), user: "bob", answering: .ring)
        let log = EventLog()
        alice.agent.onEvent { log.append($0) }
        let call = alice.start(bob)
        await alice.agent.hangUp(call)   // before any response: held until the 180
        let outcome = await alice.agent.outcome(of: call)
        if case .failed(let status, _) = outcome { #expect(status == 487) } else { Issue.record("expected 487, got \(outcome)") }
        #expect(log.statuses.contains(180))
        #expect(call.state == .terminated)
    }

    @Test("rejection answers at once with the configured status")
    func reject() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(), user: "alice")
        let bob = TestAgent.make(network.endpoint(), user: "bob", answering: .reject(status: 486))
        let (_, outcome) = await alice.call(bob)
        if case .failed(let status, let reason) = outcome {
            #expect(status == 486 && reason == "Busy Here")
        } else {
            Issue.record("expected 486, got \(outcome)")
        }
    }
}
