import Foundation
import SIPCore
import SIPDialog

/// Messages and typed input: MESSAGE in and out, DTMF and text-to-speech from stdin lines.
extension Caller {
    /// Handles an incoming MESSAGE: reported (`<<< text`), and the first sender becomes the
    /// one typed lines go to when no session of ours exists. Returns the status to answer.
    func message(_ request: SIPMessage) -> Int {
        let text = String(decoding: request.body, as: UTF8.self)
        let from = (try? request.from) ?? NameAddress(uri: SIPURI(host: "invalid"))
        counters.withLock { $0.messagesReceived += 1 }
        guard options.listen else { return 501 }
        // Replies go to the sender's Contact when it gave one (reachable without a server),
        // else to its address of record, as the seed does.
        let contact: SIPURI? = if case .addresses(let list)? = try? request.contacts { list.first?.uri } else { nil }
        state.withLock { s in
            if s.messages == nil {
                s.messages = MessageSession(agent: agent, target: contact ?? from.uri, to: NameAddress(displayName: from.displayName, uri: from.uri),
                                            from: localAddress, locate: { [self] uri throws(CallerError) in try await destinations(for: uri) },
                                            report: report)
            }
        }
        // Reported once the reply session exists, so a reply typed at once has somewhere to go.
        report(.messageReceived(from: from.uri.description, text: text))
        return options.autoRespond
    }

    /// Sends a MESSAGE in the current session, and ends the job when it was the last one of a
    /// `--send` run (stdin ended, not listening).
    /// - Parameter counted: the caller already counted it in flight (typed lines count at once,
    ///   so the end of input cannot overtake them).
    func sendMessage(_ text: String, first: Bool = false, counted: Bool = false) async {
        guard let session = state.withLock({ s -> MessageSession? in
            if s.messages != nil && !counted { s.messagesInFlight += 1 }
            return s.messages
        }) else { return }
        let result = await session.send(text)
        let (remaining, ended) = state.withLock { s -> (Int, Bool) in
            s.messagesInFlight -= 1
            return (s.messagesInFlight, s.inputEnded && s.started)
        }
        guard !options.listen, options.to != nil else { return }
        if case .failure(let error) = result, first {
            finish(error.exitStatus, because: error.description)
        } else if ended && remaining == 0 {
            finish(0, because: nil)
        }
    }

    /// A line typed on stdin: in a call, DTMF keys (`0-9 * # A-D`) or, with `--textspeech`,
    /// speech; otherwise a MESSAGE to the current peer. Empty lines are ignored.
    public func input(_ line: String) {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return }
        let early = state.withLock { s -> Bool in
            if !s.started { s.pendingInput.append(text) }
            return !s.started
        }
        guard !early else { return }
        let running = state.withLock { s in s.media.values.first { $0.isRunning } }
        if let media = running {
            if options.touchtone && text.allSatisfy({ "0123456789*#ABCDabcd".contains($0) }) {
                if media.send(digits: text.uppercased()) {
                    report(.dtmfSent(call: media.callID, digits: text.uppercased()))
                } else {
                    report(.log(level: .warning, text: "not sent: the call's pipeline has no dtmf-injector"))
                }
                return
            }
            if options.textspeech {
                if media.speak(text) {
                    report(.spoken(call: media.callID, text: text))
                } else {
                    report(.log(level: .warning, text: "not spoken: the call's pipeline has no tts node"))
                }
                return
            }
        }
        let queued = state.withLock { s -> Bool in
            if s.messages != nil { s.messagesInFlight += 1 }
            return s.messages != nil
        }
        if queued {
            Task { await sendMessage(text, counted: true) }
        } else if running != nil {
            report(.log(level: .warning, text: "not sent: '\(text)' is not DTMF and --textspeech is off"))
        } else {
            report(.log(level: .debug, text: "no call or message session for the typed line"))
        }
    }

    /// stdin reached its end: no more typed input. A `--send` run without `--listen` ends
    /// once its messages are answered.
    public func inputEnded() {
        let idle = state.withLock { s -> Bool in
            s.inputEnded = true
            return s.started && s.messagesInFlight == 0 && s.messages != nil
        }
        if idle && !options.listen && options.to != nil && !options.send.isEmpty { finish(0, because: nil) }
    }
}
