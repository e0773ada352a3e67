public import SIPCore

/// The non-INVITE client transaction (RFC 3261 §17.1.2).
///
/// ```
///  Trying ──1xx──▶ Proceeding ──200-699──▶ Completed ──K──▶ Terminated
///   E: resend, min(2E, T2)   E: resend at T2
///   F: timeout
/// ```
public struct NonInviteClientTransaction: Sendable {
    /// The transaction's states.
    public enum State: Sendable, Equatable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    /// The request this transaction sends.
    public let request: SIPMessage
    let reliable: Bool
    let timers: SIPTimers
    private var interval: Duration

    /// Creates the transaction for `request`.
    public init(request: SIPMessage, reliable: Bool, timers: SIPTimers = SIPTimers()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
        interval = timers.t1
    }

    /// Sends the request.
    public mutating func start() -> [TransactionAction] {
        var actions: [TransactionAction] = [.send(request), .start(.f, timers.timeout)]
        if !reliable { actions.append(.start(.e, interval)) }
        return actions
    }

    /// A response matched this transaction.
    public mutating func receive(_ response: SIPMessage) -> [TransactionAction] {
        guard let status = response.status, state == .trying || state == .proceeding else { return [] }
        if status < 200 {
            state = .proceeding
            return [.deliver(response)]
        }
        state = .completed
        return [.cancel(.e), .cancel(.f), .deliver(response), .start(.k, timers.k(reliable: reliable))]
    }

    /// A timer fired.
    public mutating func fire(_ timer: TransactionTimer) -> [TransactionAction] {
        switch (state, timer) {
        case (.trying, .e):
            interval = min(interval * 2, timers.t2)
            return [.send(request), .start(.e, interval)]
        case (.proceeding, .e):
            // §17.1.2.2: in Proceeding, retransmit every T2.
            return [.send(request), .start(.e, timers.t2)]
        case (.trying, .f), (.proceeding, .f):
            state = .terminated
            return [.cancel(.e), .timedOut, .terminated]
        case (.completed, .k):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }

    /// The transport could not send.
    public mutating func transportError() -> [TransactionAction] {
        guard state == .trying || state == .proceeding else { return [] }
        state = .terminated
        return [.cancel(.e), .cancel(.f), .transportFailed, .terminated]
    }
}
