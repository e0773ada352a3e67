import Foundation
import SIPCore

/// Typed `/commands` in a call: the same actions as the library's ``Call`` methods, for a shell.
extension Caller {
    /// What `/help` prints (also in `callwire -h` and the README).
    public static let commandHelp = """
        /calls                 list the calls: number, direction, peer, state, codec, encryption
        /hold [N]              put call N on hold (re-INVITE with a=sendonly)
        /resume [N]            take it off hold
        /hangup [N]            end it (BYE, or CANCEL while ringing)
        /dtmf [N] KEYS         send keys (0-9 * # A-D) the --dtmf-mode way
        /codec [N] CODEC       re-offer only CODEC (PCMA, speex/16000…); none: all
        /call URI              place another call
        /transfer [N] URI      blind transfer: call N's far end is asked to call URI (REFER)
        /transfer [N] M        attended transfer: call N's far end replaces call M (REFER with Replaces)
        /accept [N], /decline [N]  take or refuse the transfer call N's far end asked for (--accept-transfer ask)
        /help                  this list
        Other lines: digits go out as DTMF, text is spoken with --textspeech, else sent as MESSAGE.
        """

    /// Runs one `/command` line.
    func command(_ text: String) async {
        var words = text.dropFirst().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = words.first?.lowercased() else { return help() }
        words.removeFirst()
        switch name {
        case "help", "?":
            help()
        case "calls":
            await listCalls()
        case "call", "dial":
            guard let target = words.first, let address = try? NameAddress.parse(target.contains(":") ? target : "sip:" + target) else {
                return say(.warning, "/call needs a SIP address, such as /call sip:bob@example.com")
            }
            do {
                _ = try await endpoint.dial(address)
                state.withLock { $0.calls += 1 }
            } catch {
                say(.warning, "/call \(target): \(error)")
            }
        case "transfer", "xfer":
            await transferCommand(words)
        case "accept", "decline":
            guard let (call, _) = await target(words, command: name) else { return }
            let done = name == "accept" ? await call.acceptTransfer() : await call.declineTransfer()
            if !done { say(.warning, "call \(call.number): no transfer waits for /\(name)") }
        case "hold", "resume", "hangup", "bye", "dtmf", "codec":
            guard let (call, rest) = await target(words, command: name) else { return }
            await act(name, on: call, arguments: rest)
        default:
            say(.warning, "unknown command /\(name); /help lists them")
        }
    }

    private func act(_ name: String, on call: Call, arguments: [String]) async {
        switch name {
        case "hold":
            let status = await call.hold()
            say(status == 200 ? .info : .warning, "call \(call.number): hold " + (status == 200 ? "done" : "failed (\(status))"))
        case "resume":
            let status = await call.resume()
            say(status == 200 ? .info : .warning, "call \(call.number): resume " + (status == 200 ? "done" : "failed (\(status))"))
        case "hangup", "bye":
            await call.hangUp()
        case "dtmf":
            let keys = arguments.joined().uppercased()
            guard !keys.isEmpty, keys.allSatisfy({ "0123456789*#ABCD".contains($0) }) else {
                return say(.warning, "/dtmf needs keys 0-9 * # A-D, such as /dtmf 123#")
            }
            if await call.sendDTMF(keys, mode: options.dtmfMode) {
                endpoint.report(.dtmfSent(call: call.id, digits: keys))
            } else {
                say(.warning, "call \(call.number): keys not sent (not answered, or the pipeline cannot send them)")
            }
        case "codec":
            let status = await call.reoffer(codecs: arguments)
            if status == 0 {
                say(.warning, "call \(call.number) has no codec \(arguments.joined(separator: " ")); /calls shows what it offers")
            } else {
                say(status == 200 ? .info : .warning, "call \(call.number): codec change " + (status == 200 ? "done" : "refused (\(status))"))
            }
        default:
            break
        }
    }

    /// The call a command names by number (its first word, when numeric), else the newest.
    func target(_ words: [String], command: String) async -> (Call, [String])? {
        let calls = await endpoint.liveCalls
        if let first = words.first, let number = Int(first) {
            guard let call = calls.first(where: { $0.number == number }) else {
                say(.warning, "/\(command): no call \(number); /calls lists them")
                return nil
            }
            return (call, Array(words.dropFirst()))
        }
        guard let newest = calls.last else {
            say(.warning, "/\(command): there is no call")
            return nil
        }
        return (newest, words)
    }

    private func listCalls() async {
        let calls = await endpoint.liveCalls
        guard !calls.isEmpty else { return say(.info, "no calls") }
        for call in calls {
            let state = await call.state
            let codec = await call.negotiated.map { "\($0.codec.encoding)/\($0.codec.clockRate)" } ?? "no media yet"
            say(.info, "#\(call.number) \(call.direction.rawValue) \(call.peer) \(state) \(codec) \(await call.security)")
        }
    }

    private func help() {
        for line in Self.commandHelp.split(separator: "\n") { say(.info, String(line)) }
    }

    func say(_ level: LogLevel, _ text: String) { endpoint.report(.log(level: level, text: text)) }
}
