/// A hashed timer wheel (Varghese & Lauck): a ring of slots, one per tick, each holding the
/// timers due in it (a timer longer than one turn waits its turns in its slot).
///
/// Arming, re-arming and cancelling cost O(1): a timer knows its place in its slot, and a
/// cancelled one is swapped out with the slot's last entry. Advancing visits each elapsed slot
/// once and touches only timers that are armed, so the work per timer is O(1) amortised however
/// many are alive. (NIO's own scheduled tasks sit in a heap whose cancellation scans it — O(n)
/// per cancel — and a transaction cancels timers on nearly every step, so the server keeps its
/// timers on wheels like this one and lets NIO tick them; transaction timers are on
/// ``TransactionTimerWheel``, which finds its entries without a key.)
///
/// Firing is two steps so the caller can run code that re-arms or cancels timers in between:
/// ``advance(toNanos:)`` returns the timers due, and ``take(_:)`` claims each one just before it
/// runs (false when it was cancelled or re-armed meanwhile).
///
/// ``visited`` counts the entries touched (armed, cancelled, moved, fired), the wheel's unit of
/// work, so tests can check that the work per request does not grow with the number of timers.
struct TimerWheel<Key: Hashable & Sendable>: Sendable {
    private struct Entry: Sendable {
        var key: Key
        var token: UInt64
        var due: Int64
    }

    private struct Place: Sendable {
        var slot: Int32
        /// Index in the slot, or -1 once the timer is due and waits for ``take(_:)``.
        var index: Int32
        var token: UInt64
    }

    /// A timer that came due, to claim with ``take(_:)``.
    struct Due: Sendable {
        let key: Key
        let token: UInt64
    }

    /// Nanoseconds per tick.
    let tickNanos: Int64
    private var slots: [[Entry]]
    private let mask: Int64
    /// The last tick processed.
    private(set) var current: Int64
    private var armed: [Key: Place] = [:]
    private var nextToken: UInt64 = 0
    /// Entries touched so far: the wheel's work units.
    private(set) var visited = 0

    /// A wheel of `slotCount` (rounded up to a power of two) ticks of `tickNanos`, starting at
    /// `startNanos` (on the same clock as later calls).
    init(tickNanos: Int64, slotCount: Int, startNanos: Int64) {
        var size = 1
        while size < slotCount { size <<= 1 }
        self.tickNanos = tickNanos
        slots = Array(repeating: [], count: size)
        mask = Int64(size - 1)
        current = startNanos / tickNanos
    }

    /// Timers armed (including due ones not yet taken).
    var count: Int { armed.count }

    /// Arms `key` to fire at `dueNanos` (re-arming replaces the earlier deadline). A deadline
    /// already past fires on the next tick.
    mutating func schedule(_ key: Key, atNanos dueNanos: Int64) {
        cancel(key)
        nextToken &+= 1
        let due = max((dueNanos + tickNanos - 1) / tickNanos, current + 1)
        let slot = Int(due & mask)
        armed[key] = Place(slot: Int32(slot), index: Int32(slots[slot].count), token: nextToken)
        slots[slot].append(Entry(key: key, token: nextToken, due: due))
        visited += 1
    }

    /// Disarms `key` (nothing if it is not armed).
    mutating func cancel(_ key: Key) {
        guard let place = armed.removeValue(forKey: key) else { return }
        guard place.index >= 0 else { return }
        let slot = Int(place.slot), index = Int(place.index)
        visited += 1
        let last = slots[slot].count - 1
        if index != last {
            let moved = slots[slot][last]
            slots[slot][index] = moved
            armed[moved.key]?.index = Int32(index)
        }
        slots[slot].removeLast()
    }

    /// Whether `key` is armed.
    func isArmed(_ key: Key) -> Bool { armed[key] != nil }

    /// Processes every tick up to `nowNanos` and returns the timers due, in tick order.
    mutating func advance(toNanos nowNanos: Int64) -> [Due] {
        let target = nowNanos / tickNanos
        // After an idle gap longer than a turn, each slot is visited once.
        let size = mask + 1
        if target - current > size { current = target - size }
        var due: [Due] = []
        while current < target {
            current += 1
            let slot = Int(current & mask)
            if slots[slot].isEmpty { continue }
            var entries: [Entry] = []
            swap(&entries, &slots[slot])
            for entry in entries {
                visited += 1
                if entry.due > current {
                    // A later turn: back in the slot.
                    armed[entry.key] = Place(slot: Int32(slot), index: Int32(slots[slot].count), token: entry.token)
                    slots[slot].append(entry)
                } else {
                    armed[entry.key] = Place(slot: Int32(slot), index: -1, token: entry.token)
                    due.append(Due(key: entry.key, token: entry.token))
                }
            }
            if slots[slot].isEmpty && entries.capacity <= 256 {
                entries.removeAll(keepingCapacity: true)
                swap(&entries, &slots[slot])
            }
        }
        return due
    }

    /// Claims a due timer: true when it is still armed as it was (not cancelled or re-armed).
    mutating func take(_ due: Due) -> Bool {
        guard let place = armed[due.key], place.index < 0, place.token == due.token else { return false }
        armed[due.key] = nil
        return true
    }
}
