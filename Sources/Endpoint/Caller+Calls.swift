import RTPSession
import SIPCore
import SIPDialog
import SIPTransport

/// Calls: placing one, screening and answering incoming ones, and running their media.
extension Caller {
    /// The host RTP binds to: `--int-ip`.
    var rtpHost: String { options.intIP }

    /// Calls `to` with the pipeline's offer (or none with `--no-sdp`).
    func placeCall(to: NameAddress) async {
        guard let pipeline else { return }
        let target = options.uri ?? to.uri
        let targets: [SIPDestination]
        do {
            targets = try await destinations(for: target)
        } catch {
            finish(error.exitStatus, because: error.description)
            return
        }
        let session: RTPSession
        do {
            session = try await CallSecurity.bindSession(host: rtpHost)
        } catch {
            finish(CallerError.media("").exitStatus, because: "cannot bind an RTP port pair on \(rtpHost): \(error)")
            return
        }
        let callID = SIPIdentifiers.callID(host: agent.stack.advertised.host)
        let media = CallMediaSession(callID: callID, pipeline: pipeline, session: session, address: options.advertisedAddress,
                                     codecs: options.codecs, security: security, signallingEncrypted: targets[0].kind == .tls,
                                     report: report)
        media.onSecurityFailure = { [weak self] reason in self?.endCall(callID, because: reason) }
        guard media.hasCodecs else {
            await session.close()
            finish(CallerError.usage("").exitStatus,
                   because: "--codecs \(options.codecs.joined(separator: ",")) matches none of \(pipeline.capabilities().map(\.description))")
            return
        }
        state.withLock { $0.media[callID] = media }
        let body = options.sdp ? media.offer(lineEnding: lineEnding) : []
        let call = agent.startCall(target, from: localAddress, to: to, destination: targets[0],
                                   fallbacks: Array(targets.dropFirst()), callID: callID, body: body)
        state.withLock {
            $0.calls[callID] = call
            $0.outgoing = call
        }
        counters.withLock { $0.calls += 1 }
        report(.callState(call: callID, state: "inviting"))
        if case .failed(let status, let reason) = await agent.outcome(of: call), call.dialog?.state != .confirmed {
            state.withLock { _ = $0.calls.removeValue(forKey: callID) }
            await stopMedia(callID)
            report(.callState(call: callID, state: "idle"))
            if !options.listen {
                let error = CallerError.failure(status: status, reason: reason)
                finish(error.exitStatus, because: "call to \(target) failed: \(error)")
            }
        }
    }

    // MARK: Hooks of the user agent (on its event loop: no waiting here)

    /// Screens an incoming INVITE: 501 when not listening, 486 when busy, 488 when no codec fits.
    func admit(_ call: SIPUserAgent.Call) -> Int? {
        report(.log(level: .info, text: "received INVITE"))
        let from = call.request.headers[.from].flatMap { try? NameAddress.parse($0) }
        report(.incomingCall(call: call.callID, from: from.map { NameAddress(displayName: $0.displayName, uri: $0.uri).description } ?? "unknown"))
        guard options.listen else { return 501 }
        let busy = state.withLock { s in s.calls.values.contains { $0 !== call && $0.state != .terminated } }
        if busy {
            report(.log(level: .info, text: "rejecting incoming call as already busy"))
            return 486
        }
        guard (200...299).contains(options.autoRespond) else { return nil }
        guard let pipeline, let session = state.withLock({ s -> RTPSession? in
            defer { s.spare = nil }
            return s.spare
        }) else {
            report(.log(level: .warning, text: "no RTP port pair ready for the incoming call"))
            return 503
        }
        Task { await refillSpare() }
        let viaTransport = (try? call.request.vias.first?.transport) ?? nil
        let media = CallMediaSession(callID: call.callID, pipeline: pipeline, session: session,
                                     address: options.advertisedAddress, codecs: options.codecs, security: security,
                                     signallingEncrypted: viaTransport == "TLS", report: report)
        let callID = call.callID
        media.onSecurityFailure = { [weak self] reason in self?.endCall(callID, because: reason) }
        if !call.remoteBody.isEmpty {
            do {
                let answer = try media.answer(call.remoteBody, lineEnding: lineEnding, agent: agent.stack.advertised.host)
                state.withLock { $0.answers[call.callID] = answer }
            } catch {
                report(.log(level: .info, text: "rejected incoming call with incompatible SDP: \(error)"))
                call.rejectionWarning = media.rejectionWarning
                Task { await session.close() }
                return 488
            }
        }
        state.withLock {
            $0.media[call.callID] = media
            $0.calls[call.callID] = call
        }
        counters.withLock { $0.calls += 1 }
        report(.log(level: .info, text: "accepting incoming call"))
        return nil
    }

    /// The body of our 2xx: the answer prepared in ``admit(_:)``, or our offer for an INVITE
    /// without one (its answer comes in the ACK).
    func answer(_ call: SIPUserAgent.Call, body: [UInt8]) -> [UInt8]? {
        if let prepared = state.withLock({ $0.answers.removeValue(forKey: call.callID) }) { return prepared }
        guard let media = state.withLock({ $0.media[call.callID] }) else { return nil }
        if body.isEmpty { return media.offer(lineEnding: lineEnding) }
        // A re-INVITE: answer it; the graph keeps its codec (a change of codec is not re-bound yet).
        return try? media.answer(body, lineEnding: lineEnding)
    }

    /// With `--no-sdp` the 2xx carries the peer's offer: the ACK answers it (RFC 3264 §4).
    func ackBody(_ call: SIPUserAgent.Call, response: SIPMessage) -> [UInt8]? {
        guard !options.sdp, !response.body.isEmpty, let media = state.withLock({ $0.media[call.callID] }) else { return nil }
        do {
            return try media.answer(response.body, lineEnding: lineEnding)
        } catch {
            report(.log(level: .warning, text: "invalid media received in 200 OK: \(error)"))
            return nil
        }
    }

    // MARK: Events of the user agent

    func process(_ event: SIPUserAgent.Event) async {
        switch event {
        case .incomingCall:
            break   // reported by admit(_:), in order with its verdict
        case .response(let response, let agentState):
            guard (try? response.cseq)??.method == .invite, let status = response.status else { return }
            let state = agentState == "established" || agentState == "modifying" ? "active" : "inviting"
            report(.response(method: "INVITE", status: status, reason: response.reason ?? "", state: state))
            // Early media (RFC 3960): a 183 with an answer starts the graph before the 2xx.
            if status == 183, !response.body.isEmpty, options.sdp, let callID = try? response.callID,
               let media = self.state.withLock({ $0.media[callID] }), !media.isRunning {
                do {
                    try media.accept(answer: response.body)
                    try media.start()
                    report(.callState(call: callID, state: "early"))
                } catch {
                    report(.log(level: .warning, text: "invalid media received in 183: \(error)"))
                }
            }
        case .established(let call):
            await established(call)
        case .ended(let call, let reason):
            await ended(call, reason: reason)
        case .request:
            break
        }
    }

    private func established(_ call: SIPUserAgent.Call) async {
        guard let media = state.withLock({ $0.media[call.callID] }) else { return }
        report(.callState(call: call.callID, state: "active"))
        if !media.isRunning {
            do {
                if !media.isNegotiated { try media.accept(answer: call.remoteBody) }
                try media.start()
            } catch {
                report(.log(level: .error, text: "\(error)"))
                await agent.hangUp(call)
                if !options.listen { finish(error.exitStatus, because: nil) }
                return
            }
        }
        var limit = options.duration
        if call.isIncoming && options.autoTerminateAfter > 0 {
            limit = limit > 0 ? min(limit, options.autoTerminateAfter) : options.autoTerminateAfter
        }
        guard limit > 0 else { return }
        Task { [self] in
            try? await Task.sleep(for: .milliseconds(Int(limit * 1_000)))
            if call.state == .established {
                report(.callState(call: call.callID, state: "terminating"))
                await agent.hangUp(call)
            }
        }
    }

    /// Ends a call whose media cannot go on (keying failed): BYE, and the job fails unless listening.
    func endCall(_ callID: String, because reason: String) {
        guard let call = state.withLock({ $0.calls[callID] }) else { return }
        Task { [self] in
            report(.callState(call: callID, state: "terminating"))
            await agent.hangUp(call)
            if !options.listen { finish(CallerError.media("").exitStatus, because: reason) }
        }
    }

    private func ended(_ call: SIPUserAgent.Call, reason: String) async {
        let known = state.withLock { $0.calls.removeValue(forKey: call.callID) != nil }
        guard known else { return }
        report(.callEnded(call: call.callID, reason: reason))
        await stopMedia(call.callID)
        report(.callState(call: call.callID, state: "closed"))
        if !call.isIncoming && !options.listen { finish(0, because: nil) }
    }
}
