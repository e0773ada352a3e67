/// The timer values of RFC 3261 §17 (Table 4) and RFC 6026.
///
/// Over reliable transports (TCP, TLS) the timers that only absorb retransmissions (D, I, J, K)
/// are zero, and the retransmission timers (A, E, G) are not started.
public struct SIPTimers: Sendable, Hashable {
    /// The round-trip estimate (500 ms).
    public var t1: Duration = .milliseconds(500)
    /// The longest retransmission interval for non-INVITE requests and INVITE responses (4 s).
    public var t2: Duration = .seconds(4)
    /// How long a message may stay in the network (5 s).
    public var t4: Duration = .seconds(5)

    /// The RFC defaults.
    public init() {}

    /// Timer B (INVITE client timeout), F (non-INVITE client timeout), H (wait for ACK),
    /// J (non-INVITE server linger), L and M (RFC 6026 Accepted state): 64·T1.
    public var timeout: Duration { t1 * 64 }
    /// Timer D: wait for response retransmissions after a non-2xx final (≥ 32 s over UDP).
    public func d(reliable: Bool) -> Duration { reliable ? .zero : max(.seconds(32), timeout) }
    /// Timer I: wait for ACK retransmissions (T4 over UDP).
    public func i(reliable: Bool) -> Duration { reliable ? .zero : t4 }
    /// Timer J: wait for non-INVITE request retransmissions (64·T1 over UDP).
    public func j(reliable: Bool) -> Duration { reliable ? .zero : timeout }
    /// Timer K: wait for response retransmissions (T4 over UDP).
    public func k(reliable: Bool) -> Duration { reliable ? .zero : t4 }
}

/// A transaction timer (RFC 3261 §17, RFC 6026 §8.4 and §8.7).
public enum TransactionTimer: String, Hashable, Sendable, CaseIterable {
    /// INVITE client: request retransmission.
    case a
    /// INVITE client: transaction timeout.
    case b
    /// INVITE client: wait for response retransmissions.
    case d
    /// Non-INVITE client: request retransmission.
    case e
    /// Non-INVITE client: transaction timeout.
    case f
    /// INVITE server: final response retransmission.
    case g
    /// INVITE server: wait for ACK.
    case h
    /// INVITE server: wait for ACK retransmissions.
    case i
    /// Non-INVITE server: wait for request retransmissions.
    case j
    /// Non-INVITE client: wait for response retransmissions.
    case k
    /// INVITE server, Accepted: wait for INVITE retransmissions after a 2xx (RFC 6026).
    case l
    /// INVITE client, Accepted: wait for more 2xx (RFC 6026).
    case m

    /// The case's position: what equality and hashing use. (The defaults that `RawRepresentable`
    /// brings compare and hash the raw string, and a user agent's stack hashes timer keys on
    /// every message.)
    private var ordinal: UInt8 {
        switch self {
        case .a: 0
        case .b: 1
        case .d: 2
        case .e: 3
        case .f: 4
        case .g: 5
        case .h: 6
        case .i: 7
        case .j: 8
        case .k: 9
        case .l: 10
        case .m: 11
        }
    }

    /// The case's position, 0 up to (not including) ``positions``: an index for a runtime's
    /// per-transaction timer table.
    public var position: Int { Int(ordinal) }

    /// How many positions there are (one per case).
    public static let positions = 12

    public static func == (lhs: TransactionTimer, rhs: TransactionTimer) -> Bool { lhs.ordinal == rhs.ordinal }

    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }

    /// The timers a transaction of this kind can arm (RFC 3261 §17.1.1, §17.1.2, §17.2.1,
    /// §17.2.2; RFC 6026 §8.4, §8.7): what a runtime cancels when the transaction ends.
    public static func armable(invite: Bool, server: Bool) -> [TransactionTimer] {
        switch (invite, server) {
        case (true, false): inviteClient
        case (false, false): nonInviteClient
        case (true, true): inviteServer
        case (false, true): nonInviteServer
        }
    }

    private static let inviteClient: [TransactionTimer] = [.a, .b, .d, .m]
    private static let nonInviteClient: [TransactionTimer] = [.e, .f, .k]
    private static let inviteServer: [TransactionTimer] = [.g, .h, .i, .l]
    private static let nonInviteServer: [TransactionTimer] = [.j]
}

/// What a transaction asks its runtime to do.
public enum TransactionAction: Sendable {
    /// Send a message to the transaction's peer.
    case send(SIPMessage)
    /// Start (or restart) a timer.
    case start(TransactionTimer, Duration)
    /// Stop a timer.
    case cancel(TransactionTimer)
    /// Pass a message to the transaction user (a response to a client, a request to a server).
    case deliver(SIPMessage)
    /// The transaction timed out (client: the TU acts as on a 408; INVITE server: no ACK came).
    case timedOut
    /// The transport failed (client: the TU acts as on a 503).
    case transportFailed
    /// The transaction is over; forget it.
    case terminated
}

public import SIPCore
