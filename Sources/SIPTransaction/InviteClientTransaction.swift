public import SIPCore

/// The INVITE client transaction (RFC 3261 §17.1.1, with RFC 6026's Accepted state).
///
/// ```
///  Calling ──1xx──▶ Proceeding ──2xx──▶ Accepted ──M──▶ Terminated
///     │ A: resend, A·2     │ 300-699: ACK ─▶ Completed ──D──▶ Terminated
///     └ B: timeout
/// ```
public struct InviteClientTransaction: Sendable {
    /// The transaction's states.
    public enum State: Sendable, Equatable { case calling, proceeding, accepted, completed, terminated }

    public private(set) var state: State = .calling
    /// The INVITE this transaction sends.
    public let request: SIPMessage
    let reliable: Bool
    let timers: SIPTimers
    private var interval: Duration
    private var ack: SIPMessage?

    /// Creates the transaction for `request` over a reliable or unreliable transport.
    public init(request: SIPMessage, reliable: Bool, timers: SIPTimers = SIPTimers()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
        interval = timers.t1
    }

    /// Sends the INVITE.
    public mutating func start() -> [TransactionAction] {
        var actions: [TransactionAction] = [.send(request), .start(.b, timers.timeout)]
        if !reliable { actions.append(.start(.a, interval)) }
        return actions
    }

    /// A response matched this transaction.
    public mutating func receive(_ response: SIPMessage) -> [TransactionAction] {
        guard let status = response.status else { return [] }
        switch (state, status) {
        case (.calling, 100...199), (.proceeding, 100...199):
            state = .proceeding
            return [.cancel(.a), .deliver(response)]
        case (.calling, 200...299), (.proceeding, 200...299):
            state = .accepted
            return [.cancel(.a), .cancel(.b), .deliver(response), .start(.m, timers.timeout)]
        case (.accepted, 200...299):
            return [.deliver(response)]   // a retransmission or another fork's 2xx: the TU ACKs it
        case (.calling, 300...699), (.proceeding, 300...699):
            state = .completed
            let ack = Self.ack(for: request, response: response)
            self.ack = ack
            return [.cancel(.a), .cancel(.b), .send(ack), .deliver(response), .start(.d, timers.d(reliable: reliable))]
        case (.completed, 300...699):
            return ack.map { [.send($0)] } ?? []   // the final response again: ACK again, tell no one
        default:
            return []
        }
    }

    /// A timer fired.
    public mutating func fire(_ timer: TransactionTimer) -> [TransactionAction] {
        switch (state, timer) {
        case (.calling, .a):
            interval = interval * 2
            return [.send(request), .start(.a, interval)]
        case (.calling, .b):
            state = .terminated
            return [.cancel(.a), .timedOut, .terminated]
        case (.completed, .d), (.accepted, .m):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }

    /// The transport could not send.
    public mutating func transportError() -> [TransactionAction] {
        guard state == .calling || state == .completed else { return [] }
        state = .terminated
        return [.cancel(.a), .cancel(.b), .cancel(.d), .transportFailed, .terminated]
    }

    /// The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): same Request-URI, Call-ID,
    /// From, CSeq number and top Via as the INVITE; To from the response; the INVITE's Route.
    public static func ack(for invite: SIPMessage, response: SIPMessage) -> SIPMessage {
        var ack = SIPMessage(method: .ack, uri: invite.requestURI ?? SIPURI(host: "invalid"))
        if let via = invite.headers.values(.via).first { ack.headers.add(.via, via) }
        for name in [SIPHeaderName.maxForwards, .from] {
            if let value = invite.headers[name] { ack.headers.add(name, value) }
        }
        if let to = response.headers[.to] { ack.headers.add(.to, to) }
        if let callID = invite.headers[.callID] { ack.headers.add(.callID, callID) }
        if let cseq = try? invite.cseq {
            ack.headers.add(.cseq, "\(cseq.sequence) ACK")
        }
        for route in invite.headers.values(.route) { ack.headers.add(.route, route) }
        return ack
    }
}
