import NIOCore
public import SIPCore
public import SIPTransport

/// A SIP user agent core on a ``SIPStack`` (RFC 3261 §8, §12–15): INVITE sessions as UAC and
/// UAS, with the rules a real peer expects.
///
/// UAS: 100 from the transaction, 180 while waiting, 2xx retransmitted until the ACK (§13.3.1.4;
/// no ACK in 64·T1 ends the call with BYE), CANCEL → 200 + 487, BYE → 200, a re-INVITE or
/// UPDATE (RFC 3311) with an offer answered by ``Options/modify`` (2xx with the answer, or 488
/// with a Warning), 491 while our own offer is pending (§14.2), INFO by ``Options/info``,
/// 481 for requests in unknown dialogs, 500 for CSeq out of order, 420 with Unsupported for an
/// unknown Require, 405 with Allow for a method we know but do not take (REFER, SUBSCRIBE…),
/// 501 for a method we do not know (§8.2.1), OPTIONS with Allow/Accept/Supported.
/// UAC: ACK for every 2xx (retransmissions too), extra 2xx from other forks ACKed and ended
/// with BYE, CANCEL held until a provisional arrives (§9.1), one 3xx redirect followed, new
/// offers by re-INVITE or UPDATE with the §14.1 retry after 491.
public final class SIPUserAgent: @unchecked Sendable {
    /// How incoming calls are answered.
    public enum Answering: Sendable {
        /// 180 Ringing, then 200 OK after `delay`.
        case accept(after: Duration)
        /// A final response at once (the seed's `--auto-respond`).
        case reject(status: Int)
        /// 180 Ringing and nothing more (the caller's CANCEL or timeout ends it).
        case ring
    }

    /// What this agent is.
    public struct Options: Sendable {
        /// The user part of Contact.
        public var user: String
        /// How to answer calls.
        public var answering: Answering = .accept(after: .zero)
        /// The body of our 2xx to an INVITE or re-INVITE, given the call and the request's body
        /// (an offer, or empty for a late offer); nil sends no body.
        public var answer: @Sendable (Call, [UInt8]) -> [UInt8]? = { _, _ in nil }
        /// Screens an incoming INVITE before it rings: a status rejects it at once (486 busy,
        /// 488 no common codec, 501 not listening); nil lets ``answering`` decide.
        public var admit: @Sendable (Call) -> Int? = { _ in nil }
        /// The body of the ACK for a 2xx (our answer when the INVITE had no offer); nil: none.
        public var ackBody: @Sendable (Call, SIPMessage) -> [UInt8]? = { _, _ in nil }
        /// Handles a MESSAGE (RFC 3428) and returns the status to answer (0: no answer at all).
        public var message: @Sendable (SIPMessage) -> Int = { _ in 200 }
        /// Answers an offer inside a dialog — a re-INVITE or UPDATE (RFC 3264 §8, RFC 3311) —
        /// given the call and the request: our answer, or our offer when the re-INVITE had none
        /// (its ACK answers, through ``ackAnswer``); or a rejection (488 with a Warning) that
        /// leaves the session as it was.
        public var modify: @Sendable (Call, SIPMessage) -> OfferReply = { _, _ in .accept(nil) }
        /// The answer in the ACK of a re-INVITE that had no offer.
        public var ackAnswer: @Sendable (Call, [UInt8]) -> Void = { _, _ in }
        /// Handles an INFO inside a dialog (RFC 6086; legacy DTMF relay bodies) and returns the
        /// status to answer (415 for a body it does not understand).
        public var info: @Sendable (Call, SIPMessage) -> Int = { _, _ in 415 }
        /// The User-Agent and Server header value (empty: no header, as the seed's default).
        public var product = "Callwire"
        /// A Subject header for INVITE and MESSAGE (empty: none).
        public var subject = ""
        /// Credentials for 401/407 challenges (`--authuser`/`--authpass`); nil fails them.
        public var credentials: DigestClient?
        /// When set, a challenge to a request from another user than ``user`` — one of a range
        /// of users (`callwire load --user-range`) — is answered as that user (the From URI's
        /// user) with this password; our own user's requests keep ``credentials``.
        public var userPassword: String?
        /// An outbound proxy for requests outside dialogs (the seed's `--proxy`); requests go to
        /// it with a Route header (loose routing, `;lr`) unless ``strictRoute`` is set.
        public var outboundProxy: SIPURI?
        /// The proxy is a strict router (RFC 2543): it becomes the Request-URI and the target
        /// goes last in Route (RFC 3261 §12.2.1.1; the seed's `--strict-route`).
        public var strictRoute = false
        /// Send in-dialog requests to where the peer's packets come from when its Contact is a
        /// private address (the seed's `--fix-nat`).
        public var fixNAT = false
        /// Reliable provisional responses (RFC 3262, `--100rel`).
        public var reliableProvisionals = ReliableProvisionals.supported
        /// Session timers (RFC 4028, `--session-expires`).
        public var sessionTimer = SessionTimerPolicy()
        /// Our current session description, for a re-INVITE that refreshes the session when the
        /// peer takes no UPDATE (RFC 4028 §7.4); nil: refresh by UPDATE regardless.
        public var refreshOffer: @Sendable (Call) -> [UInt8]? = { _ in nil }
        /// The answer to such a re-INVITE.
        public var refreshAnswer: @Sendable (Call, [UInt8]) -> Void = { _, _ in }
        /// Handles a REFER inside a dialog (RFC 3515; its one Refer-To was checked): the status
        /// (202 to accept, 603 to decline) and what to do once it is sent (the NOTIFYs).
        public var refer: @Sendable (Call, SIPMessage) -> ReferReply = { _, _ in ReferReply(status: 603) }
        /// Handles a NOTIFY of the `refer` event package inside a dialog (RFC 3515 §2.4.4: the
        /// progress of a REFER we sent) and returns the status (481 when no REFER is pending).
        public var notify: @Sendable (Call, SIPMessage) -> Int = { _, _ in 481 }
        /// Creates options.
        public init(user: String) { self.user = user }
    }

    /// A call: an INVITE session and its dialog.
    public final class Call: @unchecked Sendable {
        /// Call states, as the seed logs them.
        public enum State: String, Sendable { case inviting, ringing, established, terminated }
        public internal(set) var state: State
        public internal(set) var dialog: Dialog?
        public let isIncoming: Bool
        /// The peer's SDP (or other body) from its INVITE or answer.
        public internal(set) var remoteBody: [UInt8] = []
        /// A Warning header value (RFC 3261 §20.43) for the final response when
        /// ``Options/admit`` rejects the call: why its offer was not acceptable (488).
        public var rejectionWarning: String?
        var invite: SIPMessage
        var destination: SIPDestination
        var ack: SIPMessage?
        var pendingCancel = false
        var provisionalSeen = false
        var redirected = false
        /// Further targets from RFC 3263 resolution, tried when one fails before answering.
        var fallbacks: [SIPDestination] = []
        var anyResponse = false
        /// An offer of ours (re-INVITE or UPDATE) is waiting for its answer: a crossing one gets
        /// 491 (RFC 3261 §14.2, RFC 3311 §5.2).
        var offerPending = false
        /// We sent an offer in the 2xx to a re-INVITE without one; the ACK brings the answer.
        var awaitingAckAnswer = false
        var serverRequest: SIPStack.ServerRequest?
        var finalResponse: SIPMessage?
        var retransmit: Scheduled<Void>?
        var outcomeValue: CallOutcome?
        var outcomeWaiters: [CheckedContinuation<CallOutcome, Never>] = []
        /// Realms already answered for this INVITE: a second challenge for one of them fails.
        var authenticatedRealms: Set<String> = []
        /// The call this one replaces (an INVITE with Replaces, RFC 3891), ended once it is up.
        public internal(set) var replaces: Call?
        /// Reliable provisionals (RFC 3262) of this incoming call: in use, the last RSeq, the
        /// one awaiting its PRACK and its retransmission, a 2xx held until that PRACK.
        var reliable = false
        var rseq: UInt32 = 0
        var unacknowledged: SIPMessage?
        var provisionalTimer: Scheduled<Void>?
        /// Outgoing: the early dialogs (by remote tag) and the last RSeq PRACKed in each.
        var earlyDialogs: [String: Dialog] = [:]
        var acknowledgedRSeq: [String: UInt32] = [:]
        /// The session interval in force (RFC 4028), its timer, and what the peer allows.
        public internal(set) var session: SessionTimer?
        var sessionTimer: Scheduled<Void>?
        var requestedInterval = 0
        var peerAllowsUpdate = false
        /// The Call-ID, the key of the call.
        public var callID: String { (try? invite.callID) ?? "" }
        /// The INVITE that started the call (ours, or the peer's).
        public var request: SIPMessage { invite }
        var ended: [CheckedContinuation<Void, Never>] = []

        init(invite: SIPMessage, destination: SIPDestination, incoming: Bool) {
            self.invite = invite
            self.destination = destination
            isIncoming = incoming
            state = .inviting
        }
    }

    /// The reply to an offer inside a dialog.
    public enum OfferReply: Sendable {
        /// 200 OK with this body (nil: none).
        case accept([UInt8]?)
        /// A final error (488 Not Acceptable Here), with a Warning value (RFC 3261 §20.43),
        /// such as `305 callwire "offer had only G729/8000; this pipeline handles PCMU/8000"`.
        case reject(status: Int, warning: String?)
    }

    /// How an outgoing call attempt ended.
    public enum CallOutcome: Sendable {
        /// 2xx: the call is up.
        case established(SIPMessage)
        /// A final error response (or 408/503 synthesized on timeout and transport failure).
        case failed(status: Int, reason: String)
    }

    /// Things that happen, for logs and tests.
    public enum Event: Sendable {
        case incomingCall(Call)
        case established(Call)
        case ended(Call, reason: String)
        case request(SIPMessage)
        case response(SIPMessage, state: String)
        /// An outgoing call failed before it was answered: a final error response, a timeout
        /// (408) or a transport failure (503) — or our CANCEL took effect (487).
        case failed(Call, status: Int, reason: String)
    }

    public let stack: SIPStack
    public let options: Options
    var credentials: DigestClient?
    /// Each user's digest state when requests come from many users (``Options/userPassword``);
    /// bounded by the users the application sends as (a `--user-range`).
    var userCredentials: [String: DigestClient] = [:]
    var calls: [String: Call] = [:]           // by Call-ID
    /// The last dialogs that ended, so an INVITE that would replace one gets 603 (RFC 3891 §3).
    var endedDialogs: [Dialog.ID] = []
    var endedDialogSet: Set<Dialog.ID> = []
    private var eventHandler: (@Sendable (Event) -> Void)?
    /// Counters for tests and summaries.
    public internal(set) var answered = 0, completed = 0

    /// Creates an agent on `stack` and starts it.
    public init(stack: SIPStack, options: Options) {
        self.stack = stack
        self.options = options
        credentials = options.credentials
        stack.setHandlers(
            request: { [weak self] request in self?.received(request) },
            ack: { [weak self] ack, _ in self?.receivedAck(ack) },
            stray: { [weak self] response in self?.receivedStray(response) })
        stack.start()
    }

    /// Where events go (set before traffic starts).
    public func onEvent(_ handler: @escaping @Sendable (Event) -> Void) {
        stack.eventLoop.execute { self.eventHandler = handler }
    }

    func emit(_ event: Event) { eventHandler?(event) }

    /// This agent's Contact address (as `user`, when given: one of a range of users).
    public func contact(kind: SIPTransportKind, user: String? = nil) -> String {
        let transport = kind == .udp ? "" : ";transport=\(kind.rawValue)"
        return "<sip:\(user ?? options.user)@\(stack.advertised.hostPort)\(transport)>"
    }

    /// Ends `call`, whichever side ended it: the call and its dialog are terminated, a 2xx
    /// retransmission stops, and whoever waits for its outcome or its end is woken.
    func end(_ call: Call, reason: String) {
        guard call.state != .terminated || call.dialog?.state != .terminated else { return }
        call.state = .terminated
        call.dialog?.state = .terminated
        call.retransmit?.cancel()
        call.provisionalTimer?.cancel()
        call.sessionTimer?.cancel()
        call.replaces = nil
        if let id = call.dialog?.id { rememberEnded(id) }
        if let callID = try? call.invite.callID { calls[callID] = nil }
        completed += 1
        emit(.ended(call, reason: reason))
        finish(call, .failed(status: 487, reason: reason))
        for waiter in call.ended { waiter.resume() }
        call.ended = []
    }

    /// Waits until `call` ends.
    public func waitForEnd(_ call: Call) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            stack.eventLoop.execute {
                if call.state == .terminated { continuation.resume() } else { call.ended.append(continuation) }
            }
        }
    }

    /// Whether `host` is an RFC 1918 private IPv4 address (or IPv6 unique-local).
    public static func isPrivate(_ host: String) -> Bool {
        let octets = host.split(separator: ".").compactMap { Int($0) }
        if octets.count == 4 {
            return octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1])) || (octets[0] == 192 && octets[1] == 168)
        }
        return host.lowercased().hasPrefix("fc") || host.lowercased().hasPrefix("fd")
    }

    /// A destination for a URI whose host is an IP address (no DNS): `transport=`, or `sips:`
    /// for TLS, or `kind`; the port from the URI or the transport's default.
    public static func numericDestination(_ uri: SIPURI, kind: SIPTransportKind) -> SIPDestination? {
        var host = uri.host
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        guard host.split(separator: ".").count == 4 || host.contains(":") else { return nil }
        let transport = uri.transport.flatMap(SIPTransportKind.init(token:)) ?? (uri.scheme == .sips ? .tls : kind)
        return SIPDestination(kind: transport, host: host, port: uri.port ?? transport.defaultPort)
    }
}
