import Foundation
import SIPCore
import SIPDialog

/// Typed input: `/commands`, DTMF keys and text-to-speech in a call, MESSAGEs otherwise.
extension Caller {
    /// A line typed on stdin. A line starting with `/` is a command (see ``commandHelp``). In a
    /// call, a line of `0-9 * # A-D` goes out as DTMF (`--dtmf-mode`) and, with `--textspeech`,
    /// other text is spoken; otherwise the line is a MESSAGE to the current peer. Empty lines
    /// are ignored. Lines are handled one after the other, in the order typed.
    public func input(_ line: String) {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return }
        let early = state.withLock { s -> Bool in
            if !s.started { s.pendingInput.append(text) } else { s.linesInFlight += 1 }
            return !s.started
        }
        guard !early else { return }
        lines.yield(text)
    }

    /// Handles typed lines in order, until ``close()`` ends the stream.
    func handleLines(_ stream: AsyncStream<String>) async {
        for await text in stream {
            if text.hasPrefix("/") {
                await command(text)
            } else {
                await typed(text)
            }
            state.withLock { $0.linesInFlight -= 1 }
            checkSendDone()
        }
    }

    private func typed(_ text: String) async {
        var call: Call?
        for candidate in await endpoint.liveCalls.reversed() {
            let now = await candidate.state
            if now.isAnswered || now == .early {
                call = candidate
                break
            }
        }
        if let call {
            if options.touchtone && text.allSatisfy({ "0123456789*#ABCDabcd".contains($0) }) {
                if await call.sendDTMF(text.uppercased(), mode: options.dtmfMode) {
                    endpoint.report(.dtmfSent(call: call.id, digits: text.uppercased()))
                } else {
                    endpoint.report(.log(level: .warning, text: "not sent: the call's pipeline has no "
                                         + (options.dtmfMode == .inband ? "dtmf-tone" : "dtmf-injector")))
                }
                return
            }
            if options.textspeech {
                if await call.speak(text) {
                    endpoint.report(.spoken(call: call.id, text: text))
                } else {
                    endpoint.report(.log(level: .warning, text: "not spoken: the call's pipeline has no tts node"))
                }
                return
            }
        }
        if await endpoint.messageSession != nil {
            await sendMessage(text)
        } else if call != nil {
            endpoint.report(.log(level: .warning, text: "not sent: '\(text)' is not DTMF and --textspeech is off"))
        } else {
            endpoint.report(.log(level: .debug, text: "no call or message session for the typed line"))
        }
    }

    /// Sends a MESSAGE in the current session; the first one of a `--send` run decides the
    /// job's failure.
    func sendMessage(_ text: String, first: Bool = false) async {
        guard let session = await endpoint.messageSession else { return }
        state.withLock { $0.messagesInFlight += 1 }
        let result = await session.send(text)
        state.withLock { $0.messagesInFlight -= 1 }
        if case .failure(let error) = result, first, !options.listen {
            finish(error.exitStatus, because: error.description)
        }
        checkSendDone()
    }

    /// stdin reached its end: no more typed input. A `--send` run without `--listen` ends
    /// once its messages are answered.
    public func inputEnded() {
        state.withLock { $0.inputEnded = true }
        checkSendDone()
    }

    /// A `--send` run (not listening) is done when input has ended and every line and message
    /// has been handled.
    private func checkSendDone() {
        guard !options.listen, options.to != nil, !options.send.isEmpty else { return }
        let done = state.withLock { $0.started && $0.inputEnded && $0.linesInFlight == 0 && $0.messagesInFlight == 0 }
        if done { finish(0, because: nil) }
    }
}
