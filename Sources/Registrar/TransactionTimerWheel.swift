import SIPTransaction

/// The transaction timers of one worker (RFC 3261 §17): a hashed timer wheel like
/// ``TimerWheel``, whose entries point at their ``TransactionRecord`` instead of being found by
/// key.
///
/// Nothing here looks anything up. Arming appends an entry to its slot and writes a fresh token
/// into the record; cancelling clears the token; an entry whose token no longer matches is
/// dropped when its slot comes round (at most one turn later). So arming and cancelling cost
/// O(1) with no hashing, and advancing costs O(1) per entry ever armed. Entries waiting to be
/// dropped are bounded by the timers armed in one turn, and each holds only its record, which a
/// transaction clears when it ends (``TransactionRecord/clear()``).
struct TransactionTimerWheel {
    private struct Entry {
        let record: TransactionRecord
        let position: Int
        let token: UInt32
        let due: Int64
    }

    /// A timer that came due, to claim with ``take(_:)``.
    struct Due {
        let record: TransactionRecord
        let timer: TransactionTimer
        fileprivate let token: UInt32
    }

    /// Nanoseconds per tick.
    let tickNanos: Int64
    private var slots: [[Entry]]
    private let mask: Int64
    /// The last tick processed.
    private(set) var current: Int64
    private var nextToken: UInt32 = 0
    /// Timers armed (including due ones not yet taken).
    private(set) var count = 0
    /// Entries touched so far (armed, cancelled, moved, fired or dropped): the wheel's work units.
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

    /// Arms `timer` of `record`'s transaction to fire at `dueNanos` (re-arming replaces the
    /// earlier deadline). A deadline already past fires on the next tick.
    mutating func schedule(_ timer: TransactionTimer, of record: TransactionRecord, atNanos dueNanos: Int64) {
        let position = timer.position
        if record.tokens[position] == 0 { count += 1 }
        nextToken &+= 1
        if nextToken == 0 { nextToken = 1 }
        record.tokens[position] = nextToken
        let due = max((dueNanos + tickNanos - 1) / tickNanos, current + 1)
        slots[Int(due & mask)].append(Entry(record: record, position: position, token: nextToken, due: due))
        visited += 1
    }

    /// Disarms `timer` of `record`'s transaction (nothing if it is not armed).
    mutating func cancel(_ timer: TransactionTimer, of record: TransactionRecord) {
        let position = timer.position
        guard record.tokens[position] != 0 else { return }
        record.tokens[position] = 0
        count -= 1
        visited += 1
    }

    /// Disarms every timer of `record`'s transaction.
    mutating func cancelAll(of record: TransactionRecord) {
        for position in 0..<TransactionTimer.positions where record.tokens[position] != 0 {
            record.tokens[position] = 0
            count -= 1
            visited += 1
        }
    }

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
                guard entry.record.tokens[entry.position] == entry.token else { continue }   // cancelled or re-armed
                if entry.due > current {
                    slots[slot].append(entry)   // a later turn
                } else {
                    due.append(Due(record: entry.record, timer: Self.timers[entry.position], token: entry.token))
                }
            }
            if slots[slot].isEmpty && entries.capacity <= 256 {
                entries.removeAll(keepingCapacity: true)
                swap(&entries, &slots[slot])
            }
        }
        return due
    }

    /// Claims a due timer: true when it is still armed as it was (not cancelled or re-armed
    /// since ``advance(toNanos:)`` returned it).
    mutating func take(_ due: Due) -> Bool {
        let position = due.timer.position
        guard due.record.tokens[position] == due.token else { return false }
        due.record.tokens[position] = 0
        count -= 1
        return true
    }

    /// Each timer at its position.
    private static let timers: [TransactionTimer] = {
        var timers = [TransactionTimer](repeating: .a, count: TransactionTimer.positions)
        for timer in TransactionTimer.allCases { timers[timer.position] = timer }
        return timers
    }()
}
