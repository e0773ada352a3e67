import SIPTransaction
import SIPTransport

/// What a worker keeps about one live transaction, in one place: where its messages go, who
/// hears its client events, and which of its timers are armed.
///
/// One dictionary lookup finds all of it. Before, the destination, the handler and each armed
/// timer sat in tables of their own, each keyed by the transaction ID, so one message cost
/// several lookups in tables of tens of thousands of entries (at 200 calls/s, transactions live
/// 32 s after they end), each a likely cache miss: about a tenth of the server's processor time.
final class TransactionRecord {
    /// The transaction.
    let id: TransactionID
    /// Where its messages go; nil until known.
    var destination: SIPDestination?
    /// Who hears a client transaction's responses, timeouts and failures.
    var handler: ((ClientEvent) -> Void)?
    /// The token of each armed timer (by ``TransactionTimer/position``); 0 when not armed. A
    /// timer wheel entry whose token is no longer here was cancelled or re-armed.
    var tokens: InlineArray<12, UInt32> = .init(repeating: 0)
    /// Whether the transaction has ended (a new one with the same ID gets a new record).
    private(set) var ended = false

    init(id: TransactionID) {
        self.id = id
    }

    /// Marks the transaction ended and forgets its destination and handler: wheel entries of
    /// cancelled timers still point here until their slot comes round, and must not keep what
    /// the handler holds (a proxy context and its messages) alive that long.
    func clear() {
        ended = true
        destination = nil
        handler = nil
    }
}
