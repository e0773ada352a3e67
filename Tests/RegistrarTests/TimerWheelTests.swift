@testable import Registrar
import Testing

/// The keyed timer wheel (Timer C, binding expiry): cancelling swaps the slot's last entry into
/// the hole, so the moved timer's place must follow it.
@Suite("Keyed timer wheel")
struct TimerWheelTests {
    static let tick: Int64 = 1_000_000_000

    static func fire(_ wheel: inout TimerWheel<String>, at seconds: Int64) -> [String] {
        var fired: [String] = []
        for due in wheel.advance(toNanos: seconds * tick) where wheel.take(due) { fired.append(due.key) }
        return fired
    }

    @Test("cancelling from the middle of a slot, re-arming, multi-turn deadlines and a cancel between advance and take")
    func keyed() {
        var wheel = TimerWheel<String>(tickNanos: Self.tick, slotCount: 8, startNanos: 0)
        for key in ["a", "b", "c", "d"] { wheel.schedule(key, atNanos: 3 * Self.tick) }
        wheel.schedule("far", atNanos: 20 * Self.tick)   // two and a half turns away
        wheel.cancel("a")   // "d" moves into a's place
        wheel.cancel("d")   // found at its new place
        wheel.schedule("b", atNanos: 5 * Self.tick)   // re-armed later
        #expect(wheel.count == 3)
        #expect(Self.fire(&wheel, at: 3) == ["c"])
        #expect(!wheel.isArmed("c") && wheel.isArmed("b"))
        #expect(Self.fire(&wheel, at: 19).sorted() == ["b"])
        #expect(Self.fire(&wheel, at: 20) == ["far"])
        #expect(wheel.count == 0)

        wheel.schedule("x", atNanos: 22 * Self.tick)
        wheel.schedule("y", atNanos: 22 * Self.tick)
        let due = wheel.advance(toNanos: 22 * Self.tick)
        #expect(due.map(\.key) == ["x", "y"])
        wheel.cancel("y")   // cancelled after it came due: not run
        let first = wheel.take(due[0]), second = wheel.take(due[1])
        #expect(first && !second)
        #expect(wheel.count == 0)
    }
}
