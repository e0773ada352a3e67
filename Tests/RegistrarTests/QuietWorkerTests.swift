import NIOCore
import NIOEmbedded
@testable import Registrar
import SIPCore
import SIPTransport
import Testing

/// A worker that receives nothing wakes once a second while no transaction timer is armed, and
/// every 50 ms while one is, on virtual time (an embedded event loop).
@Suite("A quiet worker's wake-ups")
struct QuietWorkerTests {
    @Test("no timer armed: one wake-up a second; a forwarded INVITE's Timer A (500 ms, RFC 3261 §17.1.1.2) still retransmits within 60 ms of its deadline")
    func quietWakeUps() throws {
        let bench = SteadyCostTests.Bench()
        let stack = bench.worker.stack
        let register = bench.registerService(tag: "q1")
        #expect(register.first?.0.status == 200)
        // The REGISTER's transaction lingers 32 s (Timer J); then nothing is armed.
        for _ in 0..<40 { bench.loop.advanceTime(by: .seconds(1)) }
        #expect(stack.wheel.count == 0)

        var wakeUps = 0
        let publish = stack.onTick
        stack.onTick = { wakeUps += 1; publish() }
        for _ in 0..<1_000 { bench.loop.advanceTime(by: .milliseconds(10)) }
        #expect((9...11).contains(wakeUps), "10 s with nothing armed: \(wakeUps) wake-ups (a 50 ms cadence would be 200)")

        // An INVITE for the registered callee, who never answers: the proxy's client transaction
        // arms Timer A, which must bring the next wake-up forward from up to a second away.
        let forwarded = bench.send(SteadyCostTests.invite(1), from: SteadyCostTests.uac)
        #expect(forwarded.filter { $0.1 == SteadyCostTests.uas && $0.0.method == .invite }.count == 1)
        bench.loop.advanceTime(by: .milliseconds(440))
        #expect(!bench.outbox.contains { $0.1 == SteadyCostTests.uas }, "nothing is retransmitted before Timer A")
        bench.loop.advanceTime(by: .milliseconds(120))
        let retransmitted = bench.outbox.filter { $0.1 == SteadyCostTests.uas && $0.0.method == .invite }
        #expect(retransmitted.count == 1, "Timer A fires by 560 ms: \(bench.outbox.map { "\($0.0.method?.rawValue ?? "\($0.0.status ?? 0)") to \($0.1)" })")
        stack.stop()
        bench.loop.run()
    }
}
