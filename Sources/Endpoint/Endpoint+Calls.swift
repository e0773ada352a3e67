import CallMedia
import Foundation
import NIOCore
import RTPSession
import SDP
public import SIPCore
import SIPDialog
import SIPTransport

/// Calls: placing one, screening and answering incoming ones, and following the user agent's
/// events into each call's machine.
extension Endpoint {
    // MARK: Outgoing

    /// Calls `to` (at `uri` when given) with the pipeline's offer (none with `--no-sdp`) and
    /// returns the call at once; its events say how it goes.
    /// - Throws: ``CallerError`` when the target cannot be resolved, no RTP port pair can be
    ///   bound, or no codec is left to offer.
    public func dial(_ to: NameAddress, uri: SIPURI? = nil) async throws(CallerError) -> Call {
        try await dial(to, uri: uri, headers: [])
    }

    /// ``dial(_:uri:)`` as `user` of our domain (the From URI's user), one of a range of users
    /// a load test places calls as; challenges are answered as that user with
    /// ``CallerOptions/userPassword``.
    public func dial(_ to: NameAddress, uri: SIPURI? = nil, as user: String) async throws(CallerError) -> Call {
        try await dial(to, uri: uri, headers: [], from: user)
    }

    /// ``dial(_:uri:)`` with more INVITE headers (Replaces, Referred-By for a transfer), and
    /// `prepare` run on the loop with the new call before anything can happen to it.
    func dial(_ to: NameAddress, uri: SIPURI?, headers: [(SIPHeaderName, String)], from user: String? = nil,
              prepare: (@Sendable (Call) -> Void)? = nil) async throws(CallerError) -> Call {
        guard pipeline != nil else { throw .usage("this endpoint has no call pipeline (a message-only job)") }
        let target = uri ?? to.uri
        let targets = try await destinations(for: target)
        let session: RTPSession
        do {
            session = try runtime.rtp.bind(host: rtpHost)
        } catch {
            throw .media("cannot bind an RTP port pair on \(rtpHost): \(error)")
        }
        let future = eventLoop.submit { [self] () throws -> Call in
            let call = try startCall(to: to, target: target, targets: targets, session: session, headers: headers, from: user)
            prepare?(call)
            return call
        }
        do {
            return try await future.get()
        } catch let error as CallerError {
            throw error
        } catch {
            throw .media("\(error)")
        }
    }

    private func startCall(to: NameAddress, target: SIPURI, targets: [SIPDestination], session: RTPSession,
                           headers: [(SIPHeaderName, String)], from user: String?) throws -> Call {
        guard let pipeline else { throw CallerError.usage("no call pipeline") }
        let callID = SIPIdentifiers.callID(host: agent.stack.advertised.host)
        callCount += 1
        let number = callCount
        let media = makeMedia(callID: callID, number: number, peer: to.uri, incoming: false, pipeline: pipeline, session: session,
                              signallingEncrypted: targets[0].kind == .tls)
        guard media.hasCodecs else {
            session.closeSoon()
            throw CallerError.usage("--codecs \(options.codecs.joined(separator: ",")) matches none of "
                                    + pipeline.capabilities().map(\.description).joined(separator: ", "))
        }
        let body = options.sdp ? media.offer(lineEnding: lineEnding) : []
        var from = localAddress
        if let user { from.uri.user = user }
        let sip = agent.startCall(target, from: from, to: to, destination: targets[0], fallbacks: Array(targets.dropFirst()),
                                  callID: callID, body: body, headers: headers)
        let call = Call(id: callID, number: number, direction: .outgoing, peer: to.uri.description, endpoint: self, sip: sip,
                        media: media)
        calls[callID] = call
        call.handle(.dial)
        return call
    }

    func makeMedia(callID: String, number: Int, peer: SIPURI, incoming: Bool, pipeline: CallPipeline,
                   session: RTPSession, signallingEncrypted: Bool) -> CallMediaSession {
        let fields = CallFields(callID: callID, peer: peer.user ?? peer.host, start: Self.timestamp(), number: number,
                                incoming: incoming)
        let callEvent: @Sendable (CallEvent) -> Void = { [weak self] event in
            self?.eventLoop.execute { [weak self] in self?.calls[callID]?.emit(event) }
        }
        let media = CallMediaSession(callID: callID, pipeline: pipeline, session: session, address: options.advertisedAddress,
                                     codecs: options.codecs, fields: fields, recording: options.record.map(fields.expand),
                                     scheduler: runtime.media, registry: registry, eventLoop: eventLoop, security: security,
                                     signallingEncrypted: signallingEncrypted,
                                     report: { [weak self] in self?.report($0) }, callEvent: callEvent)
        // Keying that fails once the call is up (DTLS-SRTP) ends the call: its media cannot flow safely.
        media.onSecurityFailure = { [weak self] _ in self?.calls[callID]?.hangUpOnLoop() }
        return media
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return String(format: "%04d%02d%02d-%02d%02d%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    // MARK: Incoming (the user agent's hooks, on the loop: no waiting here)

    /// Screens an incoming INVITE: 501 when not listening, 486 when `--max-calls` calls are up,
    /// 488 when no codec fits, 503 when no RTP port pair can be bound.
    func admit(_ sip: SIPUserAgent.Call) -> Int? {
        report(.log(level: .info, text: "received INVITE"))
        let from = sip.request.headers[.from].flatMap { try? NameAddress.parse($0) }
        let peer = from.map { NameAddress(displayName: $0.displayName, uri: $0.uri).description } ?? "unknown"
        report(.incomingCall(call: sip.callID, from: peer))
        // A call refused here never becomes a Call: say it ended, so whoever counts calls
        // (--metrics) sees every incoming call end.
        func refuse(_ status: Int) -> Int {
            report(.callEnded(call: sip.callID, reason: "refused with \(status)"))
            return status
        }
        // An INVITE with Replaces (RFC 3891) takes the place of a call we have: it is taken even
        // when not listening or busy (the user agent checked the dialog).
        let replacing = sip.replaces.flatMap { calls[$0.callID] }
        guard options.listen || replacing != nil else { return refuse(501) }
        if replacing == nil, calls.values.filter({ $0.machine.state.isLive }).count >= options.maxCalls {
            report(.log(level: .info, text: "rejecting incoming call as already busy"))
            return refuse(486)
        }
        guard (200...299).contains(options.autoRespond), let pipeline else {
            // --auto-respond 4xx-6xx: the user agent refuses it with that status.
            if options.autoRespond >= 300 { _ = refuse(options.autoRespond) }
            return nil
        }
        let session: RTPSession
        do {
            session = try runtime.rtp.bind(host: rtpHost)
        } catch {
            report(.log(level: .warning, text: "cannot answer: \(error)"))
            return refuse(503)
        }
        callCount += 1
        let number = callCount
        let viaTransport = (try? sip.request.vias.first?.transport) ?? nil
        let media = makeMedia(callID: sip.callID, number: number, peer: from?.uri ?? SIPURI(host: "unknown"), incoming: true,
                              pipeline: pipeline, session: session, signallingEncrypted: viaTransport == "TLS")
        let call = Call(id: sip.callID, number: number, direction: .incoming, peer: from?.uri.description ?? "unknown",
                        endpoint: self, sip: sip, media: media)
        if !sip.remoteBody.isEmpty {
            do {
                let (answer, negotiated) = try media.answer(sip.remoteBody, lineEnding: lineEnding)
                call.preparedAnswer = answer
                call.pendingMedia = negotiated
            } catch {
                report(.log(level: .info, text: "rejected incoming call with incompatible SDP: \(error.reason)"))
                // RFC 3261 §21.4.26: 488, with a Warning that says why (§20.43).
                sip.rejectionWarning = error.warningHeader(agent: agent.stack.advertised.host)
                session.closeSoon()
                callCount -= 1
                return refuse(488)
            }
        }
        calls[sip.callID] = call
        if let replacing {
            replacing.successor = call
            call.continuesJob = replacing.continuesJob || replacing.direction == .outgoing
            report(.log(level: .info, text: "call \(number) replaces call \(replacing.number)"))
        }
        call.handle(.incoming)
        report(.log(level: .info, text: "accepting incoming call"))
        return nil
    }

    /// The body of our 2xx: the answer prepared in ``admit(_:)``, or our offer for an INVITE
    /// without one (its answer comes in the ACK).
    func answerBody(_ sip: SIPUserAgent.Call, offer: [UInt8]) -> [UInt8]? {
        guard let call = calls[sip.callID] else { return nil }
        if let prepared = call.preparedAnswer {
            call.preparedAnswer = nil
            return prepared
        }
        return call.media.offer(lineEnding: lineEnding)
    }

    /// With `--no-sdp` the 2xx carries the peer's offer: the ACK answers it (RFC 3264 §4).
    func ackBody(_ sip: SIPUserAgent.Call, response: SIPMessage) -> [UInt8]? {
        guard !options.sdp, !response.body.isEmpty, let call = calls[sip.callID] else { return nil }
        do {
            let (answer, negotiated) = try call.media.answer(response.body, lineEnding: lineEnding)
            call.pendingMedia = negotiated
            return answer
        } catch {
            report(.log(level: .warning, text: "invalid media received in 200 OK: \(error)"))
            return nil
        }
    }

    func modify(_ sip: SIPUserAgent.Call, _ request: SIPMessage) -> SIPUserAgent.OfferReply {
        guard let call = calls[sip.callID] else { return .reject(status: 481, warning: nil) }
        return call.modify(request)
    }

    func ackAnswer(_ sip: SIPUserAgent.Call, body: [UInt8]) { calls[sip.callID]?.ackAnswer(body) }

    func info(_ sip: SIPUserAgent.Call, _ request: SIPMessage) -> Int { calls[sip.callID]?.info(request) ?? 481 }

    // MARK: Events of the user agent (on the loop)

    func agentEvent(_ event: SIPUserAgent.Event) {
        switch event {
        case .incomingCall, .request:
            break   // reported by admit(_:), in order with its verdict
        case .response(let response, let agentState):
            responded(response, agentState: agentState)
        case .established(let sip):
            established(sip)
        case .failed(let sip, let status, let reason):
            guard let call = calls[sip.callID] else { return }
            call.failure = (status, reason)
            call.emit(.ended(reason: "\(status) \(reason)"))
            call.handle(.ended)
        case .ended(let sip, let reason):
            guard let call = calls[sip.callID] else { return }
            report(.callEnded(call: call.id, reason: reason))
            call.emit(.ended(reason: reason))
            call.handle(.ended)
        }
    }

    private func responded(_ response: SIPMessage, agentState: String) {
        guard let method = (try? response.cseq)??.method, method == .invite || method == .update,
              let status = response.status, let callID = (try? response.callID) ?? nil else { return }
        let call = calls[callID]
        let state = agentState == "established" || agentState == "modifying" ? "active" : "inviting"
        report(.response(method: method.rawValue, status: status, reason: response.reason ?? "", state: state, call: callID))
        guard let call, agentState != "modifying" else { return }
        if (101...199).contains(status) {
            var media: NegotiatedAudio?
            // Early media (RFC 3960): a provisional response with the answer starts the graph.
            if !response.body.isEmpty, options.sdp, call.media.current == nil {
                do {
                    media = try call.media.accept(answer: response.body)
                } catch {
                    report(.log(level: .warning, text: "invalid media received in \(status): \(error)"))
                }
            }
            call.handle(.provisional(media: media))
        }
    }

    private func established(_ sip: SIPUserAgent.Call) {
        guard let call = calls[sip.callID] else { return }
        var media = call.pendingMedia ?? call.media.current
        call.pendingMedia = nil
        if media == nil, !sip.remoteBody.isEmpty {
            do {
                media = try call.media.accept(answer: sip.remoteBody)
            } catch {
                report(.log(level: .error, text: "invalid media in the answer: \(error)"))
                call.hangUpOnLoop()
                return
            }
        }
        call.handle(.answered(media))
        // The call an INVITE with Replaces named ends now: BYE, or CANCEL while it rang.
        if let replaced = sip.replaces.flatMap({ calls[$0.callID] }) { replaced.hangUpOnLoop(reason: "replaced") }
        var limit = options.duration
        if call.direction == .incoming && options.autoTerminateAfter > 0 {
            limit = limit > 0 ? min(limit, options.autoTerminateAfter) : options.autoTerminateAfter
        }
        guard limit > 0 else { return }
        call.durationTimer = eventLoop.scheduleTask(in: .nanoseconds(Int64(limit * 1e9))) { [weak call] in
            guard let call, call.machine.state.isAnswered else { return }
            call.hangUpOnLoop()
        }
    }

    /// A call's media is finalized and it is over: forget it.
    func callClosed(_ call: Call) {
        calls[call.id] = nil
        call.closeTransfers()
        for handler in callEndedHandlers { handler(call) }
    }
}
