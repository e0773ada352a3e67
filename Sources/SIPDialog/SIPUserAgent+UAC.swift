public import SIPCore
public import SIPTransport

/// The client side of INVITE sessions (RFC 3261 §13.2, §14.1, §15.1): sending INVITE, ACK for
/// every 2xx, CANCEL, BYE and re-INVITE.
extension SIPUserAgent {
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
        call.invite = stack.send(call.invite, to: call.destination) { [weak self, weak call] event in
            // Weak: the INVITE transaction outlives the call by up to 64·T1 (RFC 6026 Timer M).
            if let call { self?.inviteEvent(event, call: call) }
        }
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
    func acknowledge(_ response: SIPMessage, call: Call) {
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

    func finish(_ call: Call, _ outcome: CallOutcome) {
        guard call.outcomeValue == nil else { return }
        call.outcomeValue = outcome
        if case .failed(let status, let reason) = outcome, !call.isIncoming, call.dialog?.state != .confirmed {
            emit(.failed(call, status: status, reason: reason))
        }
        for waiter in call.outcomeWaiters { waiter.resume(returning: outcome) }
        call.outcomeWaiters = []
    }

    /// Ends a call: CANCEL while inviting (held until a provisional arrives), BYE when up.
    /// Returns when the other side has answered (or the request failed).
    public func hangUp(_ call: Call) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            hangUp(call) { continuation.resume() }
        }
    }

    /// ``hangUp(_:)`` with a completion, called on the stack's loop once the other side has
    /// answered the BYE (or at once for CANCEL and a declined call).
    public func hangUp(_ call: Call, completion: @escaping @Sendable () -> Void) {
        stack.eventLoop.execute { [self] in
            switch call.state {
            case .inviting where !call.isIncoming, .ringing where !call.isIncoming:
                if call.provisionalSeen {
                    stack.cancel(call.invite, to: call.destination) { _ in }
                } else {
                    call.pendingCancel = true
                }
                completion()
            case .established:
                guard var dialog = call.dialog else {
                    completion()
                    return
                }
                var bye = dialog.makeRequest(.bye)
                if !options.product.isEmpty { bye.headers.add(.userAgent, options.product) }
                call.dialog = dialog
                // §15.1.1: the session ends when the BYE is handed to its transaction (media
                // stops now); the completion runs when the BYE is answered or times out.
                end(call, reason: "local BYE")
                stack.send(bye, to: call.destination) { event in
                    if case .response(let response) = event, (response.status ?? 0) < 200 { return }
                    completion()
                }
            case .inviting, .ringing:
                // Our own incoming call, still ringing: decline it (the seed meant 480 here).
                if let request = call.serverRequest {
                    var response = SIPMessage.response(to: request.message, status: 480, toTag: call.dialog?.id.localTag)
                    if !options.product.isEmpty { response.headers.add(.server, options.product) }
                    stack.respond(response, to: request)
                }
                end(call, reason: "declined")
                completion()
            default:
                completion()
            }
        }
    }

    /// Sends a re-INVITE in an established call (new media, hold) and returns the final
    /// status (see ``offer(_:method:body:contentType:completion:)``).
    public func reinvite(_ call: Call, body: [UInt8], contentType: String = "application/sdp") async -> Int {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            offer(call, body: body, contentType: contentType) { status, _ in continuation.resume(returning: status) }
        }
    }

    /// Sends a new offer in an established call: a re-INVITE (RFC 3261 §14.1), or an UPDATE
    /// (RFC 3311) — and calls `completion` on the stack's loop with the final status and the
    /// 2xx (its body is the answer). A 2xx to a re-INVITE is ACKed. After a 491 (both sides
    /// offered at once) it tries once more after the random wait of §14.1, on the stack's
    /// clock: 2.1–4 s for the side that owns the Call-ID, 0–2 s otherwise.
    public func offer(_ call: Call, method: SIPMethod = .invite, body: [UInt8], contentType: String = "application/sdp",
                      completion: @escaping @Sendable (Int, SIPMessage?) -> Void) {
        stack.eventLoop.execute { [self] in
            sendOffer(call, method: method, body: body, contentType: contentType, retry: true, completion: completion)
        }
    }

    private func sendOffer(_ call: Call, method: SIPMethod, body: [UInt8], contentType: String, retry: Bool,
                           completion: @escaping @Sendable (Int, SIPMessage?) -> Void) {
        guard call.state == .established, !call.offerPending, var dialog = call.dialog else {
            completion(call.offerPending ? 491 : 481, nil)
            return
        }
        var request = dialog.makeRequest(method)
        call.dialog = dialog
        request.headers.add(.contact, contact(kind: call.destination.kind))
        if method == .invite { request.headers.add(.allow, Self.allow) }
        if !body.isEmpty {
            request.headers.add(.contentType, contentType)
            request.body = body
        }
        call.offerPending = true
        let sequence = (try? request.cseq)?.sequence ?? dialog.localSequence
        stack.send(request, to: call.destination) { [self] event in
            switch event {
            case .response(let response):
                emit(.response(response, state: "modifying"))
                guard let status = response.status, status >= 200 else { return }
                call.offerPending = false
                if (200...299).contains(status) {
                    call.dialog?.receive(response: response)
                    if !response.body.isEmpty { call.remoteBody = response.body }
                    if method == .invite, var copy = call.dialog {
                        stack.sendStateless(copy.makeRequest(.ack, sequence: sequence), to: call.destination)
                    }
                } else if status == 491 && retry {
                    let owner = !call.isIncoming
                    let wait = owner ? Double.random(in: 2.1...4) : Double.random(in: 0...2)
                    stack.eventLoop.scheduleTask(in: .nanoseconds(Int64(wait * 1e9))) { [self] in
                        sendOffer(call, method: method, body: body, contentType: contentType, retry: false, completion: completion)
                    }
                    return
                } else if status == 481 || status == 408 {
                    // §12.2.1.2: the dialog is gone; end the call.
                    end(call, reason: "\(status) to a re-INVITE")
                }
                completion(status, response)
            case .timedOut:
                call.offerPending = false
                completion(408, nil)
            case .transportFailed:
                call.offerPending = false
                completion(503, nil)
            }
        }
    }

    /// Sends a request other than INVITE inside an established call (INFO, MESSAGE, UPDATE
    /// without an offer) and calls `completion` on the stack's loop with its final status and
    /// the final response (nil when none came: 408 timeout, 503 transport failure, 481 no call).
    public func request(in call: Call, method: SIPMethod, body: [UInt8] = [], contentType: String? = nil,
                        completion: @escaping @Sendable (Int, SIPMessage?) -> Void = { _, _ in }) {
        stack.eventLoop.execute { [self] in
            guard call.state == .established, var dialog = call.dialog else {
                completion(481, nil)
                return
            }
            var request = dialog.makeRequest(method)
            call.dialog = dialog
            if let contentType, !body.isEmpty {
                request.headers.add(.contentType, contentType)
                request.body = body
            }
            if !options.product.isEmpty { request.headers.add(.userAgent, options.product) }
            stack.send(request, to: call.destination) { event in
                switch event {
                case .response(let response):
                    if let status = response.status, status >= 200 { completion(status, response) }
                case .timedOut:
                    completion(408, nil)
                case .transportFailed:
                    completion(503, nil)
                }
            }
        }
    }
}
