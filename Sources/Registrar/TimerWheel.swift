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

    private var ring: TimerSlots<Entry>
    private var armed: [Key: Place] = [:]
    private var nextToken: UInt64 = 0
    /// Entries touched so far: the wheel's work units.
    private(set) var visited = 0

    /// Nanoseconds per tick.
    var tickNanos: Int64 { ring.tickNanos }

    /// A wheel of `slotCount` (rounded up to a power of two) ticks of `tickNanos`, starting at
    /// `startNanos` (on the same clock as later calls).
    init(tickNanos: Int64, slotCount: Int, startNanos: Int64) {
        ring = TimerSlots(tickNanos: tickNanos, slotCount: slotCount, startNanos: startNanos)
    }

    /// Timers armed (including due ones not yet taken).
    var count: Int { armed.count }

    /// Arms `key` to fire at `dueNanos` (re-arming replaces the earlier deadline). A deadline
    /// already past fires on the next tick.
    mutating func schedule(_ key: Key, atNanos dueNanos: Int64) {
        cancel(key)
        nextToken &+= 1
        let due = ring.tick(forNanos: dueNanos)
        let place = ring.append(Entry(key: key, token: nextToken, due: due), at: due)
        armed[key] = Place(slot: Int32(place.slot), index: Int32(place.index), token: nextToken)
        visited += 1
    }

    /// Disarms `key` (nothing if it is not armed).
    mutating func cancel(_ key: Key) {
        guard let place = armed.removeValue(forKey: key) else { return }
        guard place.index >= 0 else { return }
        visited += 1
        if let moved = ring.remove(slot: Int(place.slot), index: Int(place.index)) {
            armed[moved.key]?.index = place.index
        }
    }

    /// Whether `key` is armed.
    func isArmed(_ key: Key) -> Bool { armed[key] != nil }

    /// Processes every tick up to `nowNanos` and returns the timers due, in tick order.
    mutating func advance(toNanos nowNanos: Int64) -> [Due] {
        var due: [Due] = []
        var touched = 0
        // The table moves out while the ring runs (the closure may not touch `self`), then back.
        var places = armed
        armed = [:]
        ring.advance(toNanos: nowNanos) { entry, tick, place in
            touched += 1
            if entry.due > tick {
                // A later turn: back in the slot.
                places[entry.key] = Place(slot: Int32(place.slot), index: Int32(place.index), token: entry.token)
                return true
            }
            places[entry.key] = Place(slot: Int32(place.slot), index: -1, token: entry.token)
            due.append(Due(key: entry.key, token: entry.token))
            return false
        }
        armed = places
        visited += touched
        return due
    }

    /// Claims a due timer: true when it is still armed as it was (not cancelled or re-armed).
    mutating func take(_ due: Due) -> Bool {
        guard let place = armed[due.key], place.index < 0, place.token == due.token else { return false }
        armed[due.key] = nil
        return true
    }
}
