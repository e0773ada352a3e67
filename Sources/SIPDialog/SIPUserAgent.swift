import NIOCore
public import SIPCore
import SIPTransaction
public import SIPTransport

/// A SIP user agent core on a ``SIPStack`` (RFC 3261 §8, §12–15): INVITE sessions as UAC and
/// UAS, with the rules a real peer expects.
///
/// UAS: 100 from the transaction, 180 while waiting, 2xx retransmitted until the ACK (§13.3.1.4;
/// no ACK in 64·T1 ends the call with BYE), CANCEL → 200 + 487, BYE → 200, re-INVITE accepted
/// (491 on glare), 481 for requests in unknown dialogs, 500 for CSeq out of order, 420 with
/// Unsupported for an unknown Require, OPTIONS with Allow/Accept/Supported.
/// UAC: ACK for every 2xx (retransmissions too), extra 2xx from other forks ACKed and ended
/// with BYE, CANCEL held until a provisional arrives (§9.1), one 3xx redirect followed.
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
        /// The User-Agent and Server header value (empty: no header, as the seed's default).
        public var product = "Callwire"
        /// A Subject header for INVITE and MESSAGE (empty: none).
        public var subject = ""
        /// Credentials for 401/407 challenges (`--authuser`/`--authpass`); nil fails them.
        public var credentials: DigestClient?
        /// An outbound proxy for requests outside dialogs (the seed's `--proxy`); requests go to
        /// it with a Route header (loose routing, `;lr`) unless ``strictRoute`` is set.
        public var outboundProxy: SIPURI?
        /// The proxy is a strict router (RFC 2543): it becomes the Request-URI and the target
        /// goes last in Route (RFC 3261 §12.2.1.1; the seed's `--strict-route`).
        public var strictRoute = false
        /// Send in-dialog requests to where the peer's packets come from when its Contact is a
        /// private address (the seed's `--fix-nat`).
        public var fixNAT = false
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
        var invite: SIPMessage
        var destination: SIPDestination
        var ack: SIPMessage?
        var pendingCancel = false
        var provisionalSeen = false
        var redirected = false
        /// Further targets from RFC 3263 resolution, tried when one fails before answering.
        var fallbacks: [SIPDestination] = []
        var anyResponse = false
        /// A re-INVITE of ours is waiting for its final response (a crossing one gets 491).
        var reinviting = false
        var serverRequest: SIPStack.ServerRequest?
        var finalResponse: SIPMessage?
        var retransmit: Scheduled<Void>?
        var outcomeValue: CallOutcome?
        var outcomeWaiters: [CheckedContinuation<CallOutcome, Never>] = []
        /// Realms already answered for this INVITE: a second challenge for one of them fails.
        var authenticatedRealms: Set<String> = []
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
    }

    public let stack: SIPStack
    public let options: Options
    var credentials: DigestClient?
    var calls: [String: Call] = [:]           // by Call-ID
    private var eventHandler: (@Sendable (Event) -> Void)?
    /// Counters for tests and summaries.
    public private(set) var answered = 0, completed = 0

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

    /// This agent's Contact address.
    public func contact(kind: SIPTransportKind) -> String {
        let transport = kind == .udp ? "" : ";transport=\(kind.rawValue)"
        return "<sip:\(options.user)@\(stack.advertised.hostPort)\(transport)>"
    }

    // MARK: UAC

    /// Calls `target` through `destination` (the resolved next hop) and waits for the outcome.
    public func invite(_ target: SIPURI, from: NameAddress, to: NameAddress, destination: SIPDestination,
                       fallbacks: [SIPDestination] = [],
                       body: [UInt8] = [], contentType: String = "application/sdp") async -> (Call, CallOutcome) {
        let call = startCall(target, from: from, to: to, destination: destination, fallbacks: fallbacks, body: body,
                             contentType: contentType)
        return (call, await outcome(of: call))
    }

    /// Starts calling `target` and returns the call at once (``outcome(of:)`` waits for the answer).
    /// - Parameter callID: the Call-ID to use, so the caller can file the call before any
    ///   response arrives (nil: a fresh one).
    public func startCall(_ target: SIPURI, from: NameAddress, to: NameAddress, destination: SIPDestination,
                          fallbacks: [SIPDestination] = [], callID: String? = nil,
                          body: [UInt8] = [], contentType: String = "application/sdp") -> Call {
        var invite = makeRequest(.invite, target: target, from: from, to: to,
                                 callID: callID ?? SIPIdentifiers.callID(host: stack.advertised.host), sequence: 1,
                                 fromTag: SIPIdentifiers.tag())
        invite.headers.add(.contact, contact(kind: destination.kind))
        invite.headers.add(.allow, Self.allow)
        if !body.isEmpty {
            invite.headers.add(.contentType, contentType)
            invite.body = body
        }
        let call = Call(invite: invite, destination: destination, incoming: false)
        call.fallbacks = fallbacks
        let callID = (try? invite.callID) ?? ""
        stack.eventLoop.execute { [self] in
            calls[callID] = call
            sendInvite(call)
        }
        return call
    }

    /// Waits for the final answer to an outgoing call.
    public func outcome(of call: Call) async -> CallOutcome {
        await withCheckedContinuation { continuation in
            stack.eventLoop.execute {
                if let outcome = call.outcomeValue { continuation.resume(returning: outcome) } else { call.outcomeWaiters.append(continuation) }
            }
        }
    }

    private func sendInvite(_ call: Call) {
        call.invite = stack.send(call.invite, to: call.destination) { [weak self] event in self?.inviteEvent(event, call: call) }
    }

    func inviteEvent(_ event: SIPStack.ClientEvent, call: Call) {
        switch event {
        case .response(let response):
            emit(.response(response, state: call.state.rawValue))
            call.anyResponse = true
            guard let status = response.status else { return }
            switch status {
            case 100...199:
                if status > 100 { call.provisionalSeen = true }
                if status > 100, call.state == .inviting { call.state = .ringing }
                if call.pendingCancel, status > 100 || call.provisionalSeen || status == 100 {
                    call.pendingCancel = false
                    stack.cancel(call.invite, to: call.destination) { _ in }
                }
            case 200...299:
                acknowledge(response, call: call)
            case 300...399 where !call.redirected:
                // Follow one redirect (§8.1.3.4): same Call-ID and From, next CSeq, new target.
                guard case .addresses(let list)? = try? response.contacts, let next = list.first?.uri,
                      let destination = Self.numericDestination(next, kind: call.destination.kind) else {
                    finish(call, .failed(status: status, reason: response.reason ?? ""))
                    return
                }
                call.redirected = true
                var invite = call.invite
                invite.requestURI = next
                _ = invite.headers.removeFirstValue(.via)
                invite.headers.set(.cseq, "2 INVITE")
                call.invite = invite
                call.destination = destination
                sendInvite(call)
            case 401...407 where (status == 401 || status == 407) && authenticate(call, challenge: response):
                return
            default:
                call.state = .terminated
                finish(call, .failed(status: status, reason: response.reason ?? ""))
                calls[(try? call.invite.callID) ?? ""] = nil
            }
        case .timedOut where !call.anyResponse && !call.fallbacks.isEmpty,
             .transportFailed where !call.anyResponse && !call.fallbacks.isEmpty:
            // RFC 3263 §4.3: the next target, in a new transaction.
            call.destination = call.fallbacks.removeFirst()
            _ = call.invite.headers.removeFirstValue(.via)
            sendInvite(call)
        case .timedOut:
            call.state = .terminated
            finish(call, .failed(status: 408, reason: "Request Timeout"))
        case .transportFailed(let reason):
            call.state = .terminated
            finish(call, .failed(status: 503, reason: reason))
        }
    }

    /// ACKs a 2xx (§13.2.2.4). The first 2xx makes the dialog; a retransmission gets the same
    /// ACK again; a 2xx from another fork is ACKed and ended with BYE.
    private func acknowledge(_ response: SIPMessage, call: Call) {
        let remoteTag = (try? response.to)?.tag
        if let dialog = call.dialog, dialog.state == .confirmed {
            if dialog.id.remoteTag == remoteTag, let ack = call.ack {
                stack.sendStateless(ack, to: call.destination)
            } else if var fork = try? Dialog(uacRequest: call.invite, response: response) {
                let cseq = (try? call.invite.cseq)?.sequence ?? 1
                stack.sendStateless(fork.makeRequest(.ack, sequence: cseq), to: call.destination)
                stack.send(fork.makeRequest(.bye), to: call.destination) { _ in }
            }
            return
        }
        guard var dialog = try? Dialog(uacRequest: call.invite, response: response) else { return }
        dialog.state = .confirmed
        let cseq = (try? call.invite.cseq)?.sequence ?? 1
        var ack = dialog.makeRequest(.ack, sequence: cseq)
        for header in [SIPHeaderName.authorization, .proxyAuthorization] {
            for value in call.invite.headers.values(header) { ack.headers.add(header, value) }
        }
        call.dialog = dialog
        call.remoteBody = response.body
        if let body = options.ackBody(call, response) {
            ack.headers.add(.contentType, "application/sdp")
            ack.body = body
        }
        call.ack = ack
        call.state = .established
        // In-dialog requests go to the remote target (or first route) from now on — unless the
        // target is a private address behind NAT and --fix-nat keeps the address that answered.
        if let next = Self.numericDestination(dialog.nextHop, kind: call.destination.kind),
           !(options.fixNAT && Self.isPrivate(next.host)) {
            call.destination = next
        }
        stack.sendStateless(ack, to: call.destination)
        emit(.established(call))
        finish(call, .established(response))
    }

    private func finish(_ call: Call, _ outcome: CallOutcome) {
        guard call.outcomeValue == nil else { return }
        call.outcomeValue = outcome
        for waiter in call.outcomeWaiters { waiter.resume(returning: outcome) }
        call.outcomeWaiters = []
    }

    /// Ends a call: CANCEL while inviting (held until a provisional arrives), BYE when up.
    /// Returns when the other side has answered (or the request failed).
    public func hangUp(_ call: Call) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            stack.eventLoop.execute { [self] in
                switch call.state {
                case .inviting where !call.isIncoming, .ringing where !call.isIncoming:
                    if call.provisionalSeen {
                        stack.cancel(call.invite, to: call.destination) { _ in }
                    } else {
                        call.pendingCancel = true
                    }
                    continuation.resume()
                case .established:
                    guard var dialog = call.dialog else {
                        continuation.resume()
                        return
                    }
                    var bye = dialog.makeRequest(.bye)
                    if !options.product.isEmpty { bye.headers.add(.userAgent, options.product) }
                    call.dialog = dialog
                    // §15.1.1: the session ends when the BYE is handed to its transaction (media
                    // stops now); hangUp returns when the BYE is answered or times out.
                    end(call, reason: "local BYE")
                    stack.send(bye, to: call.destination) { event in
                        if case .response(let response) = event, (response.status ?? 0) < 200 { return }
                        continuation.resume()
                    }
                case .inviting, .ringing:
                    // Our own incoming call, still ringing: decline it (the seed meant 480 here).
                    if let request = call.serverRequest {
                        var response = SIPMessage.response(to: request.message, status: 480, toTag: call.dialog?.id.localTag)
                        if !options.product.isEmpty { response.headers.add(.server, options.product) }
                        stack.respond(response, to: request)
                    }
                    end(call, reason: "declined")
                    continuation.resume()
                default:
                    continuation.resume()
                }
            }
        }
    }

    /// Sends a re-INVITE in an established call (new media, hold) and returns the final
    /// status. After a 491 (both sides re-INVITEd at once) it tries again once, after the
    /// random wait of RFC 3261 §14.1: 2.1–4 s for the side that owns the Call-ID, 0–2 s otherwise.
    public func reinvite(_ call: Call, body: [UInt8], contentType: String = "application/sdp") async -> Int {
        for attempt in 0..<2 {
            let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
                stack.eventLoop.execute { [self] in
                    guard call.state == .established, var dialog = call.dialog else {
                        continuation.resume(returning: 481)
                        return
                    }
                    var request = dialog.makeRequest(.invite)
                    call.dialog = dialog
                    request.headers.add(.contact, contact(kind: call.destination.kind))
                    request.headers.add(.contentType, contentType)
                    request.body = body
                    call.reinviting = true
                    let sequence = (try? request.cseq)?.sequence ?? dialog.localSequence
                    stack.send(request, to: call.destination) { [self] event in
                        switch event {
                        case .response(let response):
                            emit(.response(response, state: "reinviting"))
                            guard let status = response.status, status >= 200 else { return }
                            call.reinviting = false
                            if (200...299).contains(status) {
                                call.dialog?.receive(response: response)
                                call.remoteBody = response.body
                                if let ack = call.dialog.map({ dialog -> SIPMessage in
                                    var copy = dialog
                                    return copy.makeRequest(.ack, sequence: sequence)
                                }) {
                                    stack.sendStateless(ack, to: call.destination)
                                }
                            }
                            continuation.resume(returning: status)
                        case .timedOut:
                            call.reinviting = false
                            continuation.resume(returning: 408)
                        case .transportFailed:
                            call.reinviting = false
                            continuation.resume(returning: 503)
                        }
                    }
                }
            }
            guard status == 491, attempt == 0 else { return status }
            let owner = !call.isIncoming
            let wait = owner ? Double.random(in: 2.1...4) : Double.random(in: 0...2)
            try? await Task.sleep(for: .seconds(wait))
        }
        return 491
    }

    // MARK: UAS

    static let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, UPDATE"

    private func received(_ request: SIPStack.ServerRequest) {
        let message = request.message
        emit(.request(message))
        guard let method = message.method else { return }
        // §8.2.2.3: refuse extensions we do not have.
        if let required = try? message.require, !required.isEmpty, method != .ack, method != .cancel {
            var response = SIPMessage.response(to: message, status: 420, toTag: SIPIdentifiers.tag())
            response.headers.add(.unsupported, required.joined(separator: ", "))
            stack.respond(response, to: request)
            return
        }
        let callID = (try? message.callID) ?? ""
        let toTag = (try? message.to)?.tag
        switch method {
        case .invite where toTag == nil:
            incomingInvite(request, callID: callID)
        case .cancel:
            stack.pendingInvite(cancelledBy: request) { [self] invite in
                stack.respond(SIPMessage.response(to: message, status: invite == nil ? 481 : 200), to: request)
                guard let invite, let call = calls[callID] else { return }
                call.retransmit?.cancel()
                var terminated = SIPMessage.response(to: call.invite, status: 487, toTag: call.dialog?.id.localTag)
                terminated.headers.add(.server, options.product)
                stack.respond(terminated, transaction: invite)
                end(call, reason: "CANCEL")
            }
        case .options:
            var response = SIPMessage.response(to: message, status: 200, toTag: toTag == nil ? SIPIdentifiers.tag() : nil)
            response.headers.add(.allow, Self.allow)
            response.headers.add(.accept, "application/sdp, text/plain")
            response.headers.add(.supported, "")
            response.headers.add(.server, options.product)
            stack.respond(response, to: request)
        default:
            inDialog(request, callID: callID)
        }
    }

    private func incomingInvite(_ request: SIPStack.ServerRequest, callID: String) {
        let message = request.message
        if calls[callID] != nil { return }   // the transaction absorbs retransmissions; this is a loop
        let localTag = SIPIdentifiers.tag()
        var dialog: Dialog
        do {
            dialog = try Dialog(uasRequest: message, localTag: localTag)
        } catch {
            // A malformed Contact or Record-Route: the dialog cannot be built (RFC 3261 §12.1.1).
            stack.respond(SIPMessage.response(to: message, status: 400, reason: "Bad Request (\(error))"), to: request)
            return
        }
        let destination = Self.numericDestination(dialog.remoteTarget, kind: request.source.kind).map {
            SIPDestination(kind: request.source.kind, host: request.source.host, port: request.source.port, serverName: $0.serverName)
        } ?? request.source
        let call = Call(invite: message, destination: destination, incoming: true)
        call.serverRequest = request
        call.remoteBody = message.body
        dialog.state = .early
        call.dialog = dialog
        calls[callID] = call
        emit(.incomingCall(call))
        if let status = options.admit(call) {
            var response = SIPMessage.response(to: message, status: status, toTag: localTag)
            if !options.product.isEmpty { response.headers.add(.server, options.product) }
            stack.respond(response, to: request)
            end(call, reason: "rejected with \(status)")
            return
        }
        switch options.answering {
        case .reject(let status):
            var response = SIPMessage.response(to: message, status: status, toTag: localTag)
            response.headers.add(.server, options.product)
            stack.respond(response, to: request)
            end(call, reason: "rejected with \(status)")
        case .ring:
            respondProvisional(call, request)
        case .accept(let delay):
            if delay > .zero {
                respondProvisional(call, request)
                stack.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.components.seconds) * 1_000_000_000
                                                              + delay.components.attoseconds / 1_000_000_000)) { [self] in
                    if call.state != .terminated { accept(call, request) }
                }
            } else {
                accept(call, request)
            }
        }
    }

    private func respondProvisional(_ call: Call, _ request: SIPStack.ServerRequest) {
        call.state = .ringing
        var ringing = SIPMessage.response(to: request.message, status: 180, toTag: call.dialog?.id.localTag)
        ringing.headers.add(.contact, contact(kind: request.source.kind))
        stack.respond(ringing, to: request)
    }

    /// Answers with 200 and retransmits it until the ACK comes (§13.3.1.4).
    private func accept(_ call: Call, _ request: SIPStack.ServerRequest) {
        var ok = SIPMessage.response(to: request.message, status: 200, toTag: call.dialog?.id.localTag)
        ok.headers.add(.contact, contact(kind: request.source.kind))
        ok.headers.add(.server, options.product)
        ok.headers.add(.allow, Self.allow)
        for route in request.message.headers.values(.recordRoute) { ok.headers.add(.recordRoute, route) }
        if let body = options.answer(call, request.message.body) {
            ok.headers.add(.contentType, "application/sdp")
            ok.body = body
        }
        call.finalResponse = ok
        call.state = .established
        answered += 1
        stack.respond(ok, to: request)
        // Over TCP the 2xx is not resent, but the 64·T1 wait for the ACK still runs.
        scheduleRetransmission(call, interval: stack.timerValues.t1, elapsed: .zero)
    }

    private func scheduleRetransmission(_ call: Call, interval: Duration, elapsed: Duration) {
        let timers = stack.timerValues
        guard elapsed < timers.timeout else {
            // §13.3.1.4: no ACK within 64·T1 — confirm and end the session with BYE.
            if var dialog = call.dialog {
                stack.send(dialog.makeRequest(.bye), to: call.destination) { _ in }
                call.dialog = dialog
            }
            end(call, reason: "no ACK")
            return
        }
        call.retransmit = stack.eventLoop.scheduleTask(in: .nanoseconds(Int64(interval.components.seconds) * 1_000_000_000
                                                                        + interval.components.attoseconds / 1_000_000_000)) { [self] in
            guard call.dialog?.state != .confirmed, call.state == .established, let ok = call.finalResponse else { return }
            if !call.destination.kind.isReliable { stack.sendStateless(ok, to: call.serverRequest?.source ?? call.destination) }
            scheduleRetransmission(call, interval: min(interval * 2, timers.t2), elapsed: elapsed + interval)
        }
    }

    private func receivedAck(_ ack: SIPMessage) {
        guard let call = calls[(try? ack.callID) ?? ""], call.isIncoming else { return }
        call.retransmit?.cancel()
        if call.dialog?.state != .confirmed {
            if !ack.body.isEmpty { call.remoteBody = ack.body }
            call.dialog?.state = .confirmed
            emit(.established(call))
        }
    }

    private func receivedStray(_ response: SIPMessage) {
        // A 2xx retransmission after the INVITE transaction ended: ACK it again (§13.2.2.4).
        guard let status = response.status, (200...299).contains(status), (try? response.cseq)?.method == .invite,
              let call = calls[(try? response.callID) ?? ""], !call.isIncoming else { return }
        acknowledge(response, call: call)
    }

    private func inDialog(_ request: SIPStack.ServerRequest, callID: String) {
        let message = request.message
        guard let method = message.method, let call = calls[callID], var dialog = call.dialog,
              (try? message.to)?.tag == dialog.id.localTag else {
            if message.method == .message {
                // Out of dialog MESSAGE (page mode, RFC 3428): the application answers.
                let status = options.message(message)
                if status > 0 {
                    stack.respond(SIPMessage.response(to: message, status: status, toTag: (try? message.to)?.tag ?? SIPIdentifiers.tag()), to: request)
                }
                return
            }
            stack.respond(SIPMessage.response(to: message, status: 481, toTag: nil), to: request)
            return
        }
        if let status = dialog.receive(message) {
            stack.respond(SIPMessage.response(to: message, status: status), to: request)
            return
        }
        call.dialog = dialog
        switch method {
        case .bye:
            stack.respond(SIPMessage.response(to: message, status: 200), to: request)
            end(call, reason: "remote BYE")
        case .invite where call.reinviting:
            // §14.2: both sides re-INVITEd at once.
            stack.respond(SIPMessage.response(to: message, status: 491), to: request)
        case .invite:
            // A re-INVITE (hold, new media): accept; glare when ours is pending is answered 491.
            var ok = SIPMessage.response(to: message, status: 200)
            ok.headers.add(.contact, contact(kind: request.source.kind))
            if let body = options.answer(call, message.body) {
                ok.headers.add(.contentType, "application/sdp")
                ok.body = body
            }
            call.remoteBody = message.body
            stack.respond(ok, to: request)
        case .message:
            let status = options.message(message)
            if status > 0 { stack.respond(SIPMessage.response(to: message, status: status), to: request) }
        default:
            stack.respond(SIPMessage.response(to: message, status: 200), to: request)
        }
    }

    private func end(_ call: Call, reason: String) {
        guard call.state != .terminated || call.dialog?.state != .terminated else { return }
        call.state = .terminated
        call.dialog?.state = .terminated
        call.retransmit?.cancel()
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
