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

    private var ring: TimerSlots<Entry>
    private var nextToken: UInt32 = 0
    /// Timers armed (including due ones not yet taken).
    private(set) var count = 0
    /// Entries touched so far (armed, cancelled, moved, fired or dropped): the wheel's work units.
    private(set) var visited = 0

    /// Nanoseconds per tick.
    var tickNanos: Int64 { ring.tickNanos }

    /// A wheel of `slotCount` (rounded up to a power of two) ticks of `tickNanos`, starting at
    /// `startNanos` (on the same clock as later calls).
    init(tickNanos: Int64, slotCount: Int, startNanos: Int64) {
        ring = TimerSlots(tickNanos: tickNanos, slotCount: slotCount, startNanos: startNanos)
    }

    /// Arms `timer` of `record`'s transaction to fire at `dueNanos` (re-arming replaces the
    /// earlier deadline). A deadline already past fires on the next tick.
    mutating func schedule(_ timer: TransactionTimer, of record: TransactionRecord, atNanos dueNanos: Int64) {
        let position = timer.position
        if record.tokens[position] == 0 { count += 1 }
        nextToken &+= 1
        if nextToken == 0 { nextToken = 1 }
        record.tokens[position] = nextToken
        let due = ring.tick(forNanos: dueNanos)
        ring.append(Entry(record: record, position: position, token: nextToken, due: due), at: due)
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
        var due: [Due] = []
        var touched = 0
        ring.advance(toNanos: nowNanos) { entry, tick, _ in
            touched += 1
            guard entry.record.tokens[entry.position] == entry.token else { return false }   // cancelled or re-armed
            if entry.due > tick { return true }   // a later turn
            due.append(Due(record: entry.record, timer: Self.timers[entry.position], token: entry.token))
            return false
        }
        visited += touched
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
