public import SIPCore

/// The INVITE server transaction (RFC 3261 §17.2.1, with RFC 6026's Accepted state).
///
/// ```
///  Proceeding ──2xx──▶ Accepted ──L──▶ Terminated
///      │ 300-699 ─▶ Completed ──ACK──▶ Confirmed ──I──▶ Terminated
///                   G: resend final, min(2G, T2); H: no ACK → Terminated
/// ```
/// A 100 Trying goes out at once (§17.2.1 allows it instead of waiting 200 ms for the TU).
///
/// A transaction lingers after the call it set up (32 s in Accepted or Completed), so it keeps
/// only what it still needs: the INVITE goes to the TU at once and is not kept, and in Accepted
/// (where the TU retransmits its own 2xx) not even the last response.
public struct InviteServerTransaction: Sendable {
    /// The transaction's states.
    public enum State: Sendable, Equatable { case proceeding, completed, accepted, confirmed, terminated }

    public private(set) var state: State = .proceeding
    let reliable: Bool
    let timers: SIPTimers
    private var request: SIPMessage?
    private var lastResponse: SIPMessage?
    private var interval: Duration

    /// Creates the transaction for a received INVITE.
    public init(request: SIPMessage, reliable: Bool, timers: SIPTimers = SIPTimers()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
        lastResponse = SIPMessage.response(to: request, status: 100)
        interval = timers.t1
    }

    /// Answers 100 Trying and hands the INVITE to the TU.
    public mutating func start() -> [TransactionAction] {
        defer { request = nil }
        return [lastResponse.map(TransactionAction.send), request.map(TransactionAction.deliver)].compactMap { $0 }
    }

    /// The TU responds.
    public mutating func respond(_ response: SIPMessage) -> [TransactionAction] {
        guard let status = response.status else { return [] }
        switch (state, status) {
        case (.proceeding, 100...199):
            lastResponse = response
            return [.send(response)]
        case (.proceeding, 200...299):
            state = .accepted
            lastResponse = nil
            return [.send(response), .start(.l, timers.timeout)]
        case (.accepted, 200...299):
            return [.send(response)]   // the UAS core retransmits its 2xx until the ACK (§13.3.1.4)
        case (.proceeding, 300...699):
            state = .completed
            lastResponse = response
            var actions: [TransactionAction] = [.send(response), .start(.h, timers.timeout)]
            if !reliable { actions.append(.start(.g, interval)) }
            return actions
        default:
            return []
        }
    }

    /// A request matched this transaction: a retransmitted INVITE, or the ACK of a non-2xx.
    public mutating func receive(_ request: SIPMessage) -> [TransactionAction] {
        switch (state, request.method) {
        case (.proceeding, .invite?), (.completed, .invite?):
            return lastResponse.map { [.send($0)] } ?? []
        case (.completed, .ack?):
            state = .confirmed
            return [.cancel(.g), .cancel(.h), .start(.i, timers.i(reliable: reliable))]
        case (.accepted, .ack?):
            return [.deliver(request)]   // RFC 6026: the 2xx ACK goes to the TU
        default:
            return []   // absorbed: INVITE retransmissions in Accepted, ACKs in Confirmed
        }
    }

    /// A timer fired.
    public mutating func fire(_ timer: TransactionTimer) -> [TransactionAction] {
        switch (state, timer) {
        case (.completed, .g):
            interval = min(interval * 2, timers.t2)
            return (lastResponse.map { [.send($0)] } ?? []) + [.start(.g, interval)]
        case (.completed, .h):
            state = .terminated
            return [.cancel(.g), .timedOut, .terminated]
        case (.confirmed, .i), (.accepted, .l):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }

    /// The transport could not send a response.
    public mutating func transportError() -> [TransactionAction] {
        guard state != .terminated else { return [] }
        state = .terminated
        return [.cancel(.g), .cancel(.h), .cancel(.l), .transportFailed, .terminated]
    }
}
