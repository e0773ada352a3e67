import NIOCore
import SIPCore
import SIPTransport

/// The server side (RFC 3261 §13.3, §14.2, §15.1.2): incoming INVITE, CANCEL, ACK, BYE,
/// re-INVITE, UPDATE, INFO and requests outside a dialog.
extension SIPUserAgent {
    /// The methods this agent implements, for Allow (RFC 3261 §20.5): nothing it would refuse
    /// inside a dialog (REFER and NOTIFY are taken inside dialogs only: transfer, RFC 3515).
    public static let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, UPDATE, PRACK, REFER, NOTIFY"
    /// What an OPTIONS or a 415 says bodies may be (RFC 3261 §20.1).
    public static let accept = "application/sdp, text/plain, application/dtmf-relay, application/dtmf, message/sipfrag"
    static let allowed: Set<SIPMethod> = [.invite, .ack, .cancel, .bye, .options, .message, .info, .update, .prack, .refer, .notify]

    /// The option tags this agent implements (RFC 3261 §19.2): Replaces (RFC 3891), REFER
    /// without a subscription (RFC 4488), and as configured session timers (RFC 4028) and
    /// reliable provisionals (RFC 3262).
    public var extensions: [String] {
        var tags = ["replaces", "norefersub"]
        if options.sessionTimer.isEnabled { tags.append("timer") }
        if options.reliableProvisionals != .no { tags.append("100rel") }
        return tags
    }

    /// The Supported header value.
    var supportedHeader: String { extensions.joined(separator: ", ") }

    /// 405 with Allow for a method this agent knows but does not take, 501 for one it does not
    /// know (RFC 3261 §8.2.1, §21.5.2).
    func refuseMethod(_ request: SIPStack.ServerRequest, toTag: String?) {
        let message = request.message
        let known = message.method.map { SIPMethod.known.contains($0) } ?? false
        var response = SIPMessage.response(to: message, status: known ? 405 : 501, toTag: toTag)
        response.headers.add(.allow, Self.allow)
        if !options.product.isEmpty { response.headers.add(.server, options.product) }
        stack.respond(response, to: request)
    }

    func received(_ request: SIPStack.ServerRequest) {
        let message = request.message
        emit(.request(message))
        guard let method = message.method else { return }
        // §8.2.2.3: refuse extensions we do not have.
        let known = Set(extensions)
        if let required = try? message.require, method != .ack, method != .cancel,
           case let missing = required.filter({ !known.contains($0.lowercased()) }), !missing.isEmpty {
            var response = SIPMessage.response(to: message, status: 420, toTag: SIPIdentifiers.tag())
            response.headers.add(.unsupported, missing.joined(separator: ", "))
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
                stopProvisionals(call)
                var terminated = SIPMessage.response(to: call.invite, status: 487, toTag: call.dialog?.id.localTag)
                terminated.headers.add(.server, options.product)
                stack.respond(terminated, transaction: invite)
                end(call, reason: "CANCEL")
            }
        case .options:
            var response = SIPMessage.response(to: message, status: 200, toTag: toTag == nil ? SIPIdentifiers.tag() : nil)
            response.headers.add(.allow, Self.allow)
            response.headers.add(.accept, Self.accept)
            response.headers.add(.supported, supportedHeader)
            response.headers.add(.server, options.product)
            stack.respond(response, to: request)
        case .message where toTag == nil:
            // Page mode (RFC 3428): the application answers.
            let status = options.message(message)
            if status > 0 { stack.respond(SIPMessage.response(to: message, status: status, toTag: SIPIdentifiers.tag()), to: request) }
        case .ack:
            break   // an ACK of a non-2xx is the transaction's; a stray one is dropped (§17.2.1)
        case .bye where toTag == nil, .prack where toTag == nil, .notify where toTag == nil:
            // They only exist inside a dialog (a NOTIFY inside the subscription a REFER made,
            // RFC 6665 §4.1.3), and no dialog can match without a To tag.
            stack.respond(SIPMessage.response(to: message, status: 481), to: request)
        case .refer where toTag == nil:
            // A transfer is taken inside the call it transfers (RFC 3515 §2.4.2 allows refusing).
            stack.respond(SIPMessage.response(to: message, status: 403, reason: "Forbidden (REFER only inside a call)",
                                              toTag: SIPIdentifiers.tag()), to: request)
        case _ where toTag == nil:
            // §8.2.1: outside a dialog, what we do not take is 405 (known) or 501 (unknown).
            refuseMethod(request, toTag: SIPIdentifiers.tag())
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
        // Extensions first (RFC 3891 §3, RFC 3262 §3, RFC 4028 §9): each may refuse the INVITE.
        let (replaced, replacesRefusal) = replacedCall(by: message)
        let (reliable, reliableRefusal) = reliableDecision(message)
        let session = negotiateSession(message)
        if let refusal = replacesRefusal ?? reliableRefusal ?? sessionRejection(session, to: message) {
            var response = refusal
            if !options.product.isEmpty { response.headers.add(.server, options.product) }
            stack.respond(response, to: request)
            return
        }
        let destination = Self.numericDestination(dialog.remoteTarget, kind: request.source.kind).map {
            SIPDestination(kind: request.source.kind, host: request.source.host, port: request.source.port, serverName: $0.serverName)
        } ?? request.source
        let call = Call(invite: message, destination: destination, incoming: true)
        call.serverRequest = request
        call.remoteBody = message.body
        call.replaces = replaced
        call.reliable = reliable
        if case .use(let timer) = session { call.session = timer }
        call.peerAllowsUpdate = ((try? message.allow) ?? []).contains(.update)
        dialog.state = .early
        call.dialog = dialog
        calls[callID] = call
        emit(.incomingCall(call))
        if let status = options.admit(call) {
            var response = SIPMessage.response(to: message, status: status, toTag: localTag)
            if let warning = call.rejectionWarning { response.headers.add(.warning, warning) }
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
        case .accept where replaced != nil:
            // RFC 3891 §3: the new call takes the old one's place at once, without alerting.
            accept(call, request)
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
        sendProvisional(ringing, call: call, request: request)
    }

    /// Answers with 200 and retransmits it until the ACK comes (§13.3.1.4).
    private func accept(_ call: Call, _ request: SIPStack.ServerRequest) {
        var ok = SIPMessage.response(to: request.message, status: 200, toTag: call.dialog?.id.localTag)
        ok.headers.add(.contact, contact(kind: request.source.kind))
        ok.headers.add(.server, options.product)
        ok.headers.add(.allow, Self.allow)
        ok.headers.add(.supported, supportedHeader)
        for route in request.message.headers.values(.recordRoute) { ok.headers.add(.recordRoute, route) }
        if let body = options.answer(call, request.message.body) {
            ok.headers.add(.contentType, "application/sdp")
            ok.body = body
        }
        stopProvisionals(call)
        if let session = call.session { applySession(.use(session), to: &ok, call: call) }
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

    func receivedAck(_ ack: SIPMessage) {
        guard let call = calls[(try? ack.callID) ?? ""] else { return }
        if call.awaitingAckAnswer, call.dialog?.state == .confirmed {
            call.awaitingAckAnswer = false
            if !ack.body.isEmpty {
                call.remoteBody = ack.body
                options.ackAnswer(call, ack.body)
            }
            return
        }
        guard call.isIncoming else { return }
        call.retransmit?.cancel()
        if call.dialog?.state != .confirmed {
            if !ack.body.isEmpty { call.remoteBody = ack.body }
            call.dialog?.state = .confirmed
            emit(.established(call))
        }
    }

    func receivedStray(_ response: SIPMessage) {
        // A 2xx retransmission after the INVITE transaction ended: ACK it again (§13.2.2.4).
        guard let status = response.status, (200...299).contains(status), (try? response.cseq)?.method == .invite,
              let call = calls[(try? response.callID) ?? ""], !call.isIncoming else { return }
        acknowledge(response, call: call)
    }

    private func inDialog(_ request: SIPStack.ServerRequest, callID: String) {
        let message = request.message
        guard let method = message.method, let call = calls[callID], var dialog = call.dialog,
              (try? message.to)?.tag == dialog.id.localTag else {
            // §12.2.2: a request with a To tag that matches no dialog.
            stack.respond(SIPMessage.response(to: message, status: 481, toTag: nil), to: request)
            return
        }
        guard Self.allowed.contains(method) else {
            refuseMethod(request, toTag: nil)
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
        case .invite, .update:
            modify(call, request)
        case .prack:
            receivedPrack(call, request)
        case .refer:
            receivedRefer(call, request)
        case .notify:
            receivedNotify(call, request)
        case .info:
            stack.respond(SIPMessage.response(to: message, status: options.info(call, message)), to: request)
        case .message:
            let status = options.message(message)
            if status > 0 { stack.respond(SIPMessage.response(to: message, status: status), to: request) }
        default:
            refuseMethod(request, toTag: nil)
        }
    }

    /// A re-INVITE or UPDATE: a new offer (or, in a re-INVITE, a request for one), answered by
    /// the application; 491 while an offer of ours is pending (RFC 3261 §14.2, RFC 3311 §5.2),
    /// 488 with a Warning when the application refuses it (the session stays as it was).
    private func modify(_ call: Call, _ request: SIPStack.ServerRequest) {
        let message = request.message
        if call.offerPending && (!message.body.isEmpty || message.method == .invite) {
            var response = SIPMessage.response(to: message, status: 491)
            response.headers.add(.retryAfter, "1")
            stack.respond(response, to: request)
            return
        }
        // A refresh of the session interval, or a new one (RFC 4028 §9 applies to every
        // re-INVITE and UPDATE); too small an interval gets 422 and changes nothing.
        let session = negotiateSession(message)
        if let refusal = sessionRejection(session, to: message) {
            stack.respond(refusal, to: request)
            return
        }
        if message.method == .update && message.body.isEmpty {
            // A target refresh without an offer (RFC 3311 §5.2) — a session refresh, typically.
            var ok = SIPMessage.response(to: message, status: 200)
            ok.headers.add(.contact, contact(kind: request.source.kind))
            ok.headers.add(.supported, supportedHeader)
            applySession(session, to: &ok, call: call)
            stack.respond(ok, to: request)
            return
        }
        switch options.modify(call, message) {
        case .reject(let status, let warning):
            var response = SIPMessage.response(to: message, status: status)
            if let warning { response.headers.add(.warning, warning) }
            if !options.product.isEmpty { response.headers.add(.server, options.product) }
            stack.respond(response, to: request)
        case .accept(let body):
            var ok = SIPMessage.response(to: message, status: 200)
            ok.headers.add(.contact, contact(kind: request.source.kind))
            ok.headers.add(.allow, Self.allow)
            ok.headers.add(.supported, supportedHeader)
            applySession(session, to: &ok, call: call)
            if let body {
                ok.headers.add(.contentType, "application/sdp")
                ok.body = body
            }
            if !message.body.isEmpty { call.remoteBody = message.body }
            // A re-INVITE without an offer: ours is in the 2xx, the answer comes in the ACK.
            call.awaitingAckAnswer = message.method == .invite && message.body.isEmpty && body != nil
            stack.respond(ok, to: request)
        }
    }
}
