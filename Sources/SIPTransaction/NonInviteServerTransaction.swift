public import SIPCore

/// The non-INVITE server transaction (RFC 3261 §17.2.2).
///
/// ```
///  Trying ──1xx──▶ Proceeding ──200-699──▶ Completed ──J──▶ Terminated
/// ```
/// Retransmitted requests are absorbed in Trying and answered with the last response after. The
/// request itself goes to the TU at once and is not kept (Completed lingers for Timer J).
public struct NonInviteServerTransaction: Sendable {
    /// The transaction's states.
    public enum State: Sendable, Equatable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    private var request: SIPMessage?
    let reliable: Bool
    let timers: SIPTimers
    private var lastResponse: SIPMessage?

    /// Creates the transaction for a received request.
    public init(request: SIPMessage, reliable: Bool, timers: SIPTimers = SIPTimers()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
    }

    /// Hands the request to the TU.
    public mutating func start() -> [TransactionAction] {
        defer { request = nil }
        return request.map { [.deliver($0)] } ?? []
    }

    /// The TU responds.
    public mutating func respond(_ response: SIPMessage) -> [TransactionAction] {
        guard let status = response.status, state == .trying || state == .proceeding else { return [] }
        lastResponse = response
        if status < 200 {
            state = .proceeding
            return [.send(response)]
        }
        state = .completed
        return [.send(response), .start(.j, timers.j(reliable: reliable))]
    }

    /// The request was retransmitted.
    public mutating func receive(_ request: SIPMessage) -> [TransactionAction] {
        guard state != .trying, let lastResponse else { return [] }
        return state == .terminated ? [] : [.send(lastResponse)]
    }

    /// A timer fired.
    public mutating func fire(_ timer: TransactionTimer) -> [TransactionAction] {
        guard state == .completed, timer == .j else { return [] }
        state = .terminated
        return [.terminated]
    }

    /// The transport could not send a response.
    public mutating func transportError() -> [TransactionAction] {
        guard state != .terminated else { return [] }
        state = .terminated
        return [.cancel(.j), .transportFailed, .terminated]
    }
}
