@testable import Registrar
@testable import SIPTransaction
import Testing

/// The worker's transaction timers: entries point at their record, and a cancelled or re-armed
/// timer is recognised by its token when its slot comes round.
@Suite("Transaction timer wheel")
struct TransactionTimerWheelTests {
    static let tick: Int64 = 10_000_000

    static func record(_ branch: String) -> TransactionRecord {
        TransactionRecord(id: TransactionID(branch: branch, method: .invite, sentBy: nil, isServer: false))
    }

    /// Advances `wheel` to `nanos` and claims what is due: (branch, timer) in firing order.
    static func fire(_ wheel: inout TransactionTimerWheel, at nanos: Int64) -> [String] {
        var fired: [String] = []
        for due in wheel.advance(toNanos: nanos) where wheel.take(due) {
            fired.append("\(due.record.id.branch).\(due.timer.rawValue)")
        }
        return fired
    }

    @Test("a record has one token per timer position")
    func positions() {
        #expect(Self.record("z9hG4bKp").tokens.count == TransactionTimer.positions)
        #expect(Set(TransactionTimer.allCases.map(\.position)) == Set(0..<TransactionTimer.positions))
    }

    @Test("timers fire in deadline order, once; cancelled, re-armed and all-cancelled ones do not fire at the old deadline")
    func firing() {
        var wheel = TransactionTimerWheel(tickNanos: Self.tick, slotCount: 64, startNanos: 0)
        let one = Self.record("one"), two = Self.record("two"), three = Self.record("three")
        wheel.schedule(.a, of: one, atNanos: 50 * Self.tick)
        wheel.schedule(.b, of: one, atNanos: 300 * Self.tick)   // more than a turn (64 ticks) away
        wheel.schedule(.a, of: two, atNanos: 20 * Self.tick)
        wheel.schedule(.d, of: three, atNanos: 30 * Self.tick)
        #expect(wheel.count == 4)

        wheel.cancel(.d, of: three)
        wheel.cancel(.d, of: three)   // not armed any more: nothing
        wheel.schedule(.a, of: two, atNanos: 60 * Self.tick)   // re-armed later
        #expect(wheel.count == 3)

        #expect(Self.fire(&wheel, at: 49 * Self.tick).isEmpty, "two.a moved to 60, three.d cancelled")
        #expect(Self.fire(&wheel, at: 60 * Self.tick) == ["one.a", "two.a"])
        #expect(wheel.count == 1)
        #expect(Self.fire(&wheel, at: 299 * Self.tick).isEmpty, "one.b waits out its turns")
        #expect(Self.fire(&wheel, at: 300 * Self.tick) == ["one.b"])
        #expect(wheel.count == 0)

        wheel.schedule(.g, of: three, atNanos: 400 * Self.tick)
        wheel.schedule(.h, of: three, atNanos: 410 * Self.tick)
        wheel.cancelAll(of: three)
        #expect(wheel.count == 0)
        #expect(Self.fire(&wheel, at: 500 * Self.tick).isEmpty)
    }

    @Test("a timer cancelled after it came due, before it was claimed, is not run")
    func cancelledWhileDue() {
        var wheel = TransactionTimerWheel(tickNanos: Self.tick, slotCount: 64, startNanos: 0)
        let one = Self.record("one"), two = Self.record("two")
        wheel.schedule(.a, of: one, atNanos: 5 * Self.tick)
        wheel.schedule(.a, of: two, atNanos: 5 * Self.tick)
        let due = wheel.advance(toNanos: 5 * Self.tick)
        #expect(due.count == 2)
        // Running the first cancels the second (as a response ending a transaction would).
        let first = wheel.take(due[0])
        wheel.cancel(.a, of: due[1].record)
        let second = wheel.take(due[1])
        #expect(first && !second)
        #expect(wheel.count == 0)
    }

    @Test("stale entries are dropped when their slot comes round: the work per timer stays flat")
    func staleEntriesDropped() {
        var wheel = TransactionTimerWheel(tickNanos: Self.tick, slotCount: 64, startNanos: 0)
        var work: [Int] = []
        // 100 rounds of 1,000 transactions, each arming a timer and cancelling it at once.
        for round in 0..<100 {
            let before = wheel.visited
            let now = Int64(round) * 10 * Self.tick
            for index in 0..<1_000 {
                let record = Self.record("r\(index)")
                wheel.schedule(.f, of: record, atNanos: now + 32 * Self.tick)
                wheel.cancel(.f, of: record)
                record.clear()
            }
            #expect(wheel.advance(toNanos: now + 10 * Self.tick).isEmpty)
            work.append(wheel.visited - before)
        }
        #expect(wheel.count == 0)
        // Each timer is armed, cancelled and dropped once: 3 units, whatever came before.
        #expect(work.dropFirst(5).allSatisfy { $0 == 3_000 }, "\(work)")
    }
}
