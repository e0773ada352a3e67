import NIOCore
public import SIPCore

/// Session timers as this agent applies them (RFC 4028, `--session-expires`).
public struct SessionTimerPolicy: Sendable, Hashable {
    /// The session interval asked for, and the most granted, in seconds; 0 turns timers off.
    public var expires: Int
    /// The smallest interval accepted (Min-SE; RFC 4028 §4 puts the floor at 90 s).
    public var minimum: Int

    /// A policy; the defaults are RFC 4028's examples (1800 s asked, 90 s minimum).
    public init(expires: Int = 1_800, minimum: Int = 90) {
        self.expires = expires
        self.minimum = minimum
    }

    /// Whether session timers are in use.
    public var isEnabled: Bool { expires > 0 }
}

/// The session interval agreed for a call (RFC 4028 §7, §9) and who refreshes it.
public struct SessionTimer: Sendable, Hashable {
    /// The session interval, seconds.
    public var interval: Int
    /// `uac` or `uas`: the refresher as the request that set the interval named it.
    public var refresher: String
    /// Whether this side sends the refreshes (else it expects them).
    public var weRefresh: Bool
    /// Whether the peer supports the extension (our 2xx then says `Require: timer`).
    var peerSupports: Bool
}

/// The session timer extension (RFC 4028): negotiation in INVITE, re-INVITE and UPDATE and
/// their 2xx, 422 with Min-SE, refreshes by the refresher at half the interval (UPDATE when
/// the peer allows it, else a re-INVITE with the unchanged session description), and BYE by
/// the other side when no refresh came in time. Timers run on the stack's loop.
extension SIPUserAgent {
    // MARK: Headers

    /// `Session-Expires: 1800;refresher=uac` → (1800, "uac"); nil when absent or not a positive
    /// number. Intervals beyond ``maximumInterval`` are taken as that.
    public static func sessionExpires(_ message: SIPMessage) -> (interval: Int, refresher: String?)? {
        guard let value = message.headers[.sessionExpires] else { return nil }
        let parts = value.split(separator: ";").map { $0.trimmed }
        guard let first = parts.first, let asked = Int(first), asked > 0 else { return nil }
        let interval = min(asked, maximumInterval)
        let refresher = parts.dropFirst().lazy.compactMap { part -> String? in
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmed.lowercased() }
            return pair.count == 2 && pair[0] == "refresher" ? pair[1] : nil
        }.first
        return (interval, refresher)
    }

    /// `Min-SE: 90` → 90, at most ``maximumInterval``.
    public static func minimumSession(_ message: SIPMessage) -> Int? {
        message.headers[.minSE].flatMap { Int($0.split(separator: ";").first?.trimmed ?? "") }.map { min($0, maximumInterval) }
    }

    /// The largest interval taken from a peer: delta-seconds beyond 2³²−1 mean 2³²−1 (RFC 3261
    /// §20.19's rule for Expires, applied to RFC 4028's delta-seconds), so timers in nanoseconds
    /// cannot overflow whatever a peer writes.
    public static let maximumInterval = Int(UInt32.max)

    /// Whether `message` says it supports (or requires) option tag `tag`.
    static func supports(_ message: SIPMessage, _ tag: String) -> Bool {
        (((try? message.supported) ?? []) + ((try? message.require) ?? [])).contains { $0.lowercased() == tag }
    }

    /// Adds Session-Expires and Min-SE to an INVITE, re-INVITE or UPDATE of ours (RFC 4028 §7.1,
    /// §7.4): the interval in force (refresher=uac when we refresh it), or the one we ask for.
    func addSessionHeaders(to request: inout SIPMessage, call: Call) {
        guard options.sessionTimer.isEnabled else { return }
        if let session = call.session {
            request.headers.add(.sessionExpires, "\(session.interval)" + (session.weRefresh ? ";refresher=uac" : ""))
        } else {
            request.headers.add(.sessionExpires, "\(max(call.requestedInterval, options.sessionTimer.expires))")
        }
        request.headers.add(.minSE, "\(max(call.requestedInterval, options.sessionTimer.minimum))")
    }

    // MARK: As UAC

    /// The 2xx to an INVITE, re-INVITE or UPDATE of ours: its Session-Expires sets the interval
    /// and the refresher (§7.2); none means no session expiration.
    func sessionAnswered(_ call: Call, response: SIPMessage) {
        guard options.sessionTimer.isEnabled else { return }
        if let allowed = try? response.allow, !allowed.isEmpty { call.peerAllowsUpdate = allowed.contains(.update) }
        guard let (interval, refresher) = Self.sessionExpires(response) else {
            // A peer without session timers answers our refreshes without Session-Expires: we
            // took the refresher role for it (§9), and keep refreshing at the same interval.
            if let session = call.session, session.weRefresh, !session.peerSupports {
                startSession(call, session)
                return
            }
            call.session = nil
            call.sessionTimer?.cancel()
            return
        }
        let who = refresher ?? "uac"
        startSession(call, SessionTimer(interval: interval, refresher: who, weRefresh: who == "uac",
                                        peerSupports: Self.supports(response, "timer")))
    }

    /// A 422 to our request: the interval to ask for next (the peer's Min-SE), or nil when
    /// asking again would not help (§7.3).
    func intervalAfter422(_ call: Call, response: SIPMessage) -> Int? {
        guard options.sessionTimer.isEnabled, let minimum = Self.minimumSession(response),
              minimum > max(call.requestedInterval, call.session?.interval ?? options.sessionTimer.expires) else { return nil }
        call.requestedInterval = minimum
        if var session = call.session {
            session.interval = minimum
            call.session = session
        }
        return minimum
    }

    // MARK: As UAS

    /// What to answer to the session timer part of an INVITE, re-INVITE or UPDATE (§9).
    enum SessionDecision {
        /// No session timer (ours are off).
        case none
        /// 422 Session Interval Too Small, with our Min-SE.
        case tooSmall(minimum: Int)
        /// This interval and refresher, in the 2xx.
        case use(SessionTimer)
    }

    func negotiateSession(_ request: SIPMessage) -> SessionDecision {
        let policy = options.sessionTimer
        guard policy.isEnabled else { return .none }
        let peerSupports = Self.supports(request, "timer")
        let floor = max(policy.minimum, Self.minimumSession(request) ?? 0)
        var refresher: String
        let interval: Int
        if let (asked, named) = Self.sessionExpires(request) {
            if asked < policy.minimum { return .tooSmall(minimum: policy.minimum) }
            // We may shorten the interval, never below the Min-SE in force (§9).
            interval = max(min(asked, policy.expires), floor)
            refresher = named ?? (peerSupports ? "uac" : "uas")
        } else {
            // The UAC asked for nothing: we may still use a timer of our own (§9).
            interval = max(policy.expires, floor)
            refresher = peerSupports ? "uac" : "uas"
        }
        // A UAC without the extension cannot refresh: we do (§9).
        if !peerSupports { refresher = "uas" }
        return .use(SessionTimer(interval: interval, refresher: refresher, weRefresh: refresher == "uas", peerSupports: peerSupports))
    }

    /// The 422 for an interval below our minimum (§9), or nil.
    func sessionRejection(_ decision: SessionDecision, to request: SIPMessage) -> SIPMessage? {
        guard case .tooSmall(let minimum) = decision else { return nil }
        var response = SIPMessage.response(to: request, status: 422, reason: "Session Interval Too Small",
                                           toTag: (try? request.to)?.tag == nil ? SIPIdentifiers.tag() : nil)
        response.headers.add(.minSE, "\(minimum)")
        return response
    }

    /// Adds the agreed interval to our 2xx (with `Require: timer` when the peer supports it)
    /// and starts the call's timer.
    func applySession(_ decision: SessionDecision, to response: inout SIPMessage, call: Call) {
        guard case .use(let session) = decision else { return }
        response.headers.add(.sessionExpires, "\(session.interval);refresher=\(session.refresher)")
        if session.peerSupports { response.headers.add(.require, "timer") }
        startSession(call, session)
    }

    // MARK: Timers

    /// Puts `session` in force: the refresher refreshes at half the interval (§10); the other
    /// side sends BYE at the interval less min(32 s, a third of it) without a refresh.
    func startSession(_ call: Call, _ session: SessionTimer) {
        call.session = session
        call.sessionTimer?.cancel()
        guard call.state != .terminated else { return }
        let interval = Int64(session.interval) * 1_000_000_000
        if session.weRefresh {
            call.sessionTimer = stack.eventLoop.scheduleTask(in: .nanoseconds(interval / 2)) { [self] in refreshSession(call) }
        } else {
            let margin = min(Int64(32) * 1_000_000_000, interval / 3)
            call.sessionTimer = stack.eventLoop.scheduleTask(in: .nanoseconds(interval - margin)) { [self] in
                sessionExpired(call)
            }
        }
    }

    /// Sends a session refresh: UPDATE without a body when the peer allows UPDATE, else a
    /// re-INVITE with our unchanged session description (§7.4, §10). Until its 2xx the session
    /// may still expire: the BYE is armed for the end of the interval.
    func refreshSession(_ call: Call) {
        guard call.state == .established, let session = call.session else { return }
        if call.offerPending {
            // An offer of ours is out; its 2xx refreshes the session too. Look again shortly.
            call.sessionTimer = stack.eventLoop.scheduleTask(in: .seconds(1)) { [self] in refreshSession(call) }
            return
        }
        let offer = call.peerAllowsUpdate ? [] : options.refreshOffer(call) ?? []
        let method: SIPMethod = offer.isEmpty ? .update : .invite
        let remaining = Int64(session.interval) * 1_000_000_000 / 2
        let margin = min(Int64(32) * 1_000_000_000, Int64(session.interval) * 1_000_000_000 / 3)
        call.sessionTimer = stack.eventLoop.scheduleTask(in: .nanoseconds(max(remaining - margin, 1_000_000_000))) { [self] in
            sessionExpired(call)
        }
        sendOffer(call, method: method, body: offer, contentType: "application/sdp", retry: true) { [self] status, response in
            switch status {
            case 200...299:
                if method == .invite, let body = response?.body, !body.isEmpty { options.refreshAnswer(call, body) }
            case 422 where response.map({ intervalAfter422(call, response: $0) != nil }) ?? false:
                refreshSession(call)
            case 405 where method == .update, 501 where method == .update:
                // The peer does not take UPDATE after all: re-INVITE from now on.
                call.peerAllowsUpdate = false
                if options.refreshOffer(call) != nil { refreshSession(call) }
            default:
                break   // the armed BYE ends the session if nothing refreshes it in time
            }
        }
    }

    /// No refresh came in time: end the session with BYE (§10).
    func sessionExpired(_ call: Call) {
        guard call.state == .established else { return }
        hangUp(call, reason: "session timer expired") {}
    }

    /// Remembers an ended dialog (a bounded list: the last 64) for Replaces checks.
    func rememberEnded(_ id: Dialog.ID) {
        guard endedDialogSet.insert(id).inserted else { return }
        endedDialogs.append(id)
        if endedDialogs.count > 64 { endedDialogSet.remove(endedDialogs.removeFirst()) }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmed: String {
        guard let start = firstIndex(where: { $0 != " " && $0 != "\t" }),
              let end = lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(self[start...end])
    }
}
