import SIPCore
import SIPTransaction
import SIPTransport

/// One proxied request: its server transaction and a client transaction per branch (§16.6),
/// and the response context that picks what goes back upstream (§16.7).
final class ProxyContext: @unchecked Sendable {
    struct Branch {
        var request: SIPMessage
        var destination: SIPDestination
        var final: SIPMessage?
    }

    let server: IncomingRequest
    var branches: [Branch] = []
    var answered = false

    init(server: IncomingRequest) { self.server = server }

    var isInvite: Bool { server.message.method == .invite }
}

extension ServerWorker {
    /// Forwards `message` to each target (nil: keep the Request-URI; the next hop is the top
    /// Route or the Request-URI), statefully. Adds Record-Route for dialog-creating requests;
    /// two entries when the request changes transport (RFC 5658 §3).
    func forward(_ request: IncomingRequest, _ message: SIPMessage, to targets: [SIPURI?], recordRoute: Bool, loopHash: String) {
        let context = ProxyContext(server: request)
        let inbound = request.source.kind
        if message.method == .invite {
            var trying = SIPMessage.response(to: request.message, status: 100)
            trying.headers.add(.server, options.product)
            stack.respond(trying, to: request)
        }
        for target in targets {
            var copy = message
            if let target { copy.requestURI = target }
            let hops = Self.maxForwards(copy)
            copy.headers.set(.maxForwards, String(max(hops - 1, 0)))
            let nextHop = copy.headers.values(.route).first.flatMap { try? NameAddress.parse($0) }?.uri ?? copy.requestURI
            guard let nextHop, let destination = destination(for: nextHop, inbound: inbound) else {
                context.branches.append(.init(request: copy, destination: request.source,
                                              final: SIPMessage(status: 404, reason: "Not Found (no route to \(nextHop?.host ?? "?"))")))
                continue
            }
            if recordRoute {
                let out = recordRouteEntry(kind: destination.kind)
                if destination.kind != inbound {
                    copy.headers.prepend(.recordRoute, recordRouteEntry(kind: inbound))
                }
                copy.headers.prepend(.recordRoute, out)
            }
            context.branches.append(.init(request: copy, destination: destination))
        }
        contexts[request.transaction] = context
        if context.isInvite { timerC.schedule(request.transaction, atNanos: stack.nowNanos + Int64(Self.timerCSeconds * 1e9)) }
        for index in context.branches.indices where context.branches[index].final == nil {
            let branch = context.branches[index]
            context.branches[index].request = stack.send(branch.request, to: branch.destination, loopHash: loopHash) { [unowned self] event in
                branchEvent(event, context: context, index: index)
            }
        }
        decideIfDone(context)
    }

    private func recordRouteEntry(kind: SIPTransportKind) -> String {
        let address = stack.advertised
        let transport = kind == .udp ? "" : ";transport=\(kind.rawValue)"
        return "<sip:\(address.hostPort);lr\(transport)>"
    }

    func branchEvent(_ event: ClientEvent, context: ProxyContext, index: Int) {
        var response: SIPMessage
        switch event {
        case .response(let received):
            response = received
            _ = response.headers.removeFirstValue(.via)
        case .timedOut:
            response = SIPMessage(status: 408, reason: "Request Timeout")
        case .transportFailed:
            response = SIPMessage(status: 503, reason: "Service Unavailable")
        }
        let status = response.status ?? 500
        // A branch ends once; only 2xx retransmissions follow a final (they go upstream too).
        if status == 100 || (context.branches[index].final != nil && !(200...299).contains(status)) { return }
        if status < 200 {
            if !context.answered { relay(response, context) }
            return
        }
        context.branches[index].final = response
        defer {
            if context.answered && context.branches.allSatisfy({ $0.final != nil }) { finish(context) }
        }
        if (200...299).contains(status) {
            // Every 2xx goes upstream (§16.7 step 5); other INVITE branches are cancelled (§16.7 step 10).
            context.answered = true
            relay(response, context)
            cancelPending(context)
            return
        }
        if status >= 600 { cancelPending(context) }
        decideIfDone(context)
    }

    /// When every branch has a final response and nothing was sent upstream: the best one
    /// (§16.7 step 6: a 6xx, else the lowest class; 401/407 challenges merged; 503 becomes 500).
    private func decideIfDone(_ context: ProxyContext) {
        guard !context.answered, !context.branches.isEmpty, context.branches.allSatisfy({ $0.final != nil }) else { return }
        let finals = context.branches.compactMap(\.final)
        let ranked = finals.sorted { a, b in
            let sa = a.status ?? 500, sb = b.status ?? 500
            if (sa >= 600) != (sb >= 600) { return sa >= 600 }
            if sa / 100 != sb / 100 { return sa / 100 < sb / 100 }
            let challengeA = sa == 401 || sa == 407, challengeB = sb == 401 || sb == 407
            if challengeA != challengeB { return challengeA }
            return sa < sb
        }
        guard var best = ranked.first else { return }
        var status = best.status ?? 500
        if status == 401 || status == 407 {
            for other in finals where other.status == 401 || other.status == 407 {
                for name in [SIPHeaderName.wwwAuthenticate, .proxyAuthenticate] {
                    for value in other.headers.values(name) where !best.headers.values(name).contains(value) {
                        best.headers.add(name, value)
                    }
                }
            }
        }
        if status == 503 || best.headers[.via] == nil {
            // A response we made up (timeout, transport) or a 503: rebuilt on the original request.
            status = status == 503 ? 500 : status
            var made = SIPMessage.response(to: context.server.message, status: status, reason: status == 500 ? "Server Internal Error" : best.reason,
                                           toTag: stack.token(10))
            made.headers.add(.server, options.product)
            best = made
        }
        context.answered = true
        relay(best, context)
        finish(context)
    }

    /// Forgets a context whose branches all ended.
    private func finish(_ context: ProxyContext) {
        contexts[context.server.transaction] = nil
        timerC.cancel(context.server.transaction)
    }

    /// Timer C (§16.6 step 11): a branch that has been ringing for more than three minutes is
    /// cancelled, and treated as a 408 if the CANCEL does not end it.
    func expireTimerC() {
        for due in timerC.advance(toNanos: stack.nowNanos) where timerC.take(due) {
            guard let context = contexts[due.key] else { continue }
            cancelPending(context)
            for index in context.branches.indices where context.branches[index].final == nil {
                branchEvent(.timedOut, context: context, index: index)
            }
        }
    }

    private func relay(_ response: SIPMessage, _ context: ProxyContext) {
        if (response.status ?? 0) >= 200 {
            state.counters.finalResponses.add(1, ordering: .relaxed)
            options.log?("\(context.server.message.method?.rawValue ?? "?") \(context.server.message.requestURI?.description ?? "") → \(response.status ?? 0) \(response.reason ?? "")")
        }
        stack.respond(response, to: context.server)
    }

    private func cancelPending(_ context: ProxyContext) {
        guard context.isInvite else { return }
        for branch in context.branches where branch.final == nil {
            stack.cancel(branch.request, to: branch.destination) { _ in }
        }
    }

    /// A CANCEL (§16.10): 200 for it, and CANCEL on every pending branch; their 487s end the INVITE.
    func cancel(_ request: IncomingRequest) {
        guard let invite = stack.pendingInvite(cancelledBy: request), let context = contexts[invite] else {
            reply(request, 481, "Call/Transaction Does Not Exist")
            return
        }
        var ok = SIPMessage.response(to: request.message, status: 200)
        ok.headers.add(.server, options.product)
        stack.respond(ok, to: request)
        cancelPending(context)
    }

    /// The ACK of a 2xx is end-to-end: forwarded statelessly along its Route (§16.11).
    func forwardACK(_ ack: SIPMessage) {
        var message = ack
        var routes = message.headers.values(.route)
        if let first = routes.first, let uri = (try? NameAddress.parse(first))?.uri, isUs(uri) { routes.removeFirst() }
        message.headers.remove(.route)
        for route in routes { message.headers.add(.route, route) }
        let nextHop = routes.first.flatMap { try? NameAddress.parse($0) }?.uri ?? message.requestURI
        let hops = Self.maxForwards(message)
        message.headers.set(.maxForwards, String(max(hops - 1, 0)))
        if routes.isEmpty, let target = nextHop, isUs(target) {
            // Addressed to us with no route: the registered contact (see the in-dialog rule).
            withBindings(aorKey(target, domain: nil)) { [self] bindings in
                guard let contact = bindings.first?.contact.uri, !isUs(contact),
                      let destination = destination(for: contact, inbound: .udp) else { return }
                message.requestURI = contact
                stack.sendStateless(message, to: destination)
            }
            return
        }
        guard let nextHop, !isUs(nextHop), let destination = destination(for: nextHop, inbound: .udp) else { return }
        stack.sendStateless(message, to: destination)
    }

    /// A response no transaction of ours matches (a 2xx retransmission after the INVITE
    /// transaction ended): our Via off, on to the next one (§16.7 step 3, §16.11).
    func forwardStray(_ response: SIPMessage) {
        guard let vias = try? response.vias, vias.count > 1, isUs(host: vias[0].host, port: vias[0].port ?? 5060) else { return }
        var message = response
        _ = message.headers.removeFirstValue(.via)
        let next = vias[1]
        let host = next.received ?? next.host
        let port: Int = if case .port(let p)? = next.rport { p } else { next.port ?? 5060 }
        let kind = SIPTransportKind(token: next.transport) ?? .udp
        stack.sendStateless(message, to: SIPDestination(kind: kind, host: host, port: port))
    }
}
