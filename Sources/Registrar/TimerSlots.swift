/// The ring under a hashed timer wheel (Varghese & Lauck): one slot per tick, each holding the
/// entries due in it; an entry due more than one turn ahead waits its turns in its slot.
/// ``TimerWheel`` and ``TransactionTimerWheel`` keep their entries here and differ only in how
/// they find and cancel one.
struct TimerSlots<Entry> {
    /// Nanoseconds per tick.
    let tickNanos: Int64
    private var slots: [[Entry]]
    private let mask: Int64
    /// The last tick processed.
    private(set) var current: Int64

    /// A ring of `slotCount` (rounded up to a power of two) ticks of `tickNanos`, starting at
    /// `startNanos` (on the same clock as later calls).
    init(tickNanos: Int64, slotCount: Int, startNanos: Int64) {
        var size = 1
        while size < slotCount { size <<= 1 }
        self.tickNanos = tickNanos
        slots = Array(repeating: [], count: size)
        mask = Int64(size - 1)
        current = startNanos / tickNanos
    }

    /// The tick a deadline falls in; one already past falls in the next tick.
    func tick(forNanos dueNanos: Int64) -> Int64 {
        max((dueNanos + tickNanos - 1) / tickNanos, current + 1)
    }

    /// Files `entry` under `tick`. - Returns: its slot and its index there.
    @discardableResult
    mutating func append(_ entry: Entry, at tick: Int64) -> (slot: Int, index: Int) {
        let slot = Int(tick & mask)
        slots[slot].append(entry)
        return (slot, slots[slot].count - 1)
    }

    /// Removes the entry at `index` of `slot` by moving the slot's last entry into its place.
    /// - Returns: the entry moved (now at `index`), nil when the removed one was last.
    mutating func remove(slot: Int, index: Int) -> Entry? {
        let last = slots[slot].count - 1
        defer { slots[slot].removeLast() }
        guard index != last else { return nil }
        slots[slot][index] = slots[slot][last]
        return slots[slot][index]
    }

    /// Visits every entry of every tick up to `nowNanos`, in tick order (after an idle gap
    /// longer than a turn, each slot once). `visit` gets the entry, the tick being processed,
    /// and the place the entry gets if it stays; it returns whether the entry stays (due in a
    /// later turn). Entries that do not stay leave the ring.
    mutating func advance(toNanos nowNanos: Int64, _ visit: (Entry, _ tick: Int64, _ place: (slot: Int, index: Int)) -> Bool) {
        let target = nowNanos / tickNanos
        let size = mask + 1
        if target - current > size { current = target - size }
        while current < target {
            current += 1
            let slot = Int(current & mask)
            if slots[slot].isEmpty { continue }
            var entries: [Entry] = []
            swap(&entries, &slots[slot])
            for entry in entries where visit(entry, current, (slot, slots[slot].count)) {
                slots[slot].append(entry)
            }
            if slots[slot].isEmpty && entries.capacity <= 256 {
                // Keep the slot's storage for its next turn.
                entries.removeAll(keepingCapacity: true)
                swap(&entries, &slots[slot])
            }
        }
    }
}

extension TimerSlots: Sendable where Entry: Sendable {}
