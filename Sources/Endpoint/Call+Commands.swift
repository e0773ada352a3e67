import NIOCore
import SIPCore
import SIPDialog

/// What a user does to a call — hang up, send keys, speak — and what the peer sends besides
/// media (INFO). The public methods may be called from anywhere.
extension Call {
    /// How typed DTMF keys go out (`--dtmf-mode`).
    public enum DTMFMode: String, Sendable, CaseIterable {
        /// RFC 4733 telephone-event packets (the default).
        case rfc4733
        /// SIP INFO requests with `application/dtmf-relay` bodies (one per key).
        case info
        /// Dual tones in the audio itself (Q.23).
        case inband
    }

    /// Ends the call, whatever its state: BYE when answered, CANCEL while our INVITE rings
    /// (held until a provisional arrives, RFC 3261 §9.1), 480 for an incoming call still ringing.
    /// Returns when the call has closed, or after `limit` (a BYE to a dead peer runs to Timer F
    /// meanwhile; the media is finalized at once).
    public func hangUp(limit: Duration = .seconds(5)) async {
        endpoint.eventLoop.execute { [self] in hangUpOnLoop() }
        let loop = endpoint.eventLoop
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        let timeout = loop.makePromise(of: Void.self)
        let timer = loop.scheduleTask(in: .nanoseconds(nanoseconds)) { timeout.succeed() }
        let closedFuture = loop.flatSubmit { [self] () -> EventLoopFuture<Void> in
            if machine.state == .closed && !media.isRunning { return loop.makeSucceededFuture(()) }
            let promise = loop.makePromise(of: Void.self)
            closeWaiters.append(promise)
            return promise.futureResult
        }
        // Whichever comes first; the other is left to complete on its own (nothing waits on it).
        closedFuture.whenComplete { _ in timeout.succeed(); timer.cancel() }
        try? await timeout.futureResult.get()
    }

    /// On the loop: start ending the call.
    func hangUpOnLoop() {
        guard machine.state.isLive, machine.state != .terminating else { return }
        handle(.hangUp)
        endpoint.requestsInFlight += 1
        endpoint.agent.hangUp(sip) { [endpoint] in endpoint.requestDone() }
    }

    /// Sends DTMF keys (`0-9 * # A-D`) the way `mode` says.
    /// - Returns: false when the call's pipeline cannot send them that way, or it is not answered.
    @discardableResult
    public func sendDTMF(_ digits: String, mode: DTMFMode = .rfc4733) async -> Bool {
        (try? await endpoint.eventLoop.submit { [self] () -> Bool in
            guard machine.state.isAnswered || machine.state == .early else { return false }
            switch mode {
            case .rfc4733, .inband:
                return media.send(digits: digits)
            case .info:
                infoDigits += Array(digits)
                sendNextInfoDigit()
                return true
            }
        }.get()) ?? false
    }

    /// RFC 6086 INFO for legacy DTMF relay: `Signal=` and `Duration=` lines, one key per request,
    /// the next sent when the previous one is answered.
    private func sendNextInfoDigit() {
        guard !infoSending, !infoDigits.isEmpty, machine.state.isLive else { return }
        let digit = infoDigits.removeFirst()
        infoSending = true
        let body = Array("Signal=\(digit)\r\nDuration=250\r\n".utf8)
        endpoint.agent.request(in: sip, method: .info, body: body, contentType: "application/dtmf-relay") { [self] _, _ in
            infoSending = false
            sendNextInfoDigit()
        }
    }

    /// Speaks `text` into the call through its pipeline's `tts` node.
    /// - Returns: false when the pipeline has none.
    @discardableResult
    public func speak(_ text: String) async -> Bool {
        (try? await endpoint.eventLoop.submit { [self] in media.speak(text) }.get()) ?? false
    }

    /// An INFO from the peer (on the loop): DTMF relay bodies are reported as keys; other
    /// bodies get 415 with what we accept (RFC 6086 §4.2.2 leaves legacy INFO to the content type).
    func info(_ request: SIPMessage) -> Int {
        let type = ((try? request.contentType) ?? nil).map { "\($0.type)/\($0.subtype)".lowercased() } ?? ""
        let text = String(decoding: request.body, as: UTF8.self)
        let digit: String?
        switch type {
        case "application/dtmf-relay":
            // `Signal=5` (and `Duration=160`), one field per line.
            digit = text.split(whereSeparator: \.isNewline).lazy
                .compactMap { line -> String? in
                    let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    return parts.count == 2 && parts[0].lowercased() == "signal" ? parts[1] : nil
                }.first
        case "application/dtmf":
            digit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        default:
            return request.body.isEmpty ? 200 : 415
        }
        guard let digit, digit.count == 1, "0123456789*#ABCDabcd".contains(digit) else { return 400 }
        endpoint.report(.dtmfReceived(call: id, digit: digit.uppercased(), method: "info"))
        emit(.dtmf(digit: digit.uppercased(), method: "info"))
        return 200
    }
}
