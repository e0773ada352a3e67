extension CallerEvent {
    /// The seed's log line for this event: its level and text, or nil for events the seed
    /// does not log. Prints (`<<< hello`, recognized text) have level nil and `print` true.
    public var logLine: (level: LogLevel, text: String, print: Bool)? {
        switch self {
        case .listening(let transport, let address): (.debug, "created listening stack on '\(transport)' \(address)", false)
        case .registered(let aor, _): (.info, "registered with SIP server as \(aor)", false)
        case .registrationFailed(let status, _, _): (.warning, "failed to register with response \(status)", false)
        case .unregistered(let aor, let status): (.info, "unregistered \(aor) (\(status))", false)
        case .response(let method, let status, let reason, let state, _):
            method == "MESSAGE" ? (.info, "received response: \(status) \(reason)", false)
                : (.info, "received response in state '\(state)': \(status) \(reason)", false)
        case .incomingCall(_, let from): (.info, "received incoming call from \(from)", false)
        case .callState(_, let state, let hold):
            (.debug, "changed state to '\(state)'" + (hold.map { " (hold: \($0))" } ?? ""), false)
        case .codec(_, let codec, let payloadType, _, let security):
            (.info, "media: \(codec) (payload type \(payloadType)), \(security == "unencrypted" ? security : "encrypted: \(security)")", false)
        case .dtmfSent(_, let digits): (.debug, "sending digits '\(digits)'", false)
        case .dtmfReceived(_, let digit, let method): (.info, "received DTMF digit \(digit)" + (method == "rfc4733" ? "" : " (\(method))"), false)
        case .spoken(_, let text): (.debug, "sending textspeech '\(text)'", false)
        case .recognized(_, let text, _, _): (.info, text, true)
        case .toneDetected(_, let frequency, let start): (.info, "heard a \(frequency) Hz tone at \(formatNumber(start, digits: 2)) s", false)
        case .messageReceived(_, let text): (.info, "<<< \(text)", true)
        case .messageSent: nil
        case .rtpStatistics(_, let received, let lost, let jitter, let rtt, _):
            (.info, "media received \(received) packets, \(lost) lost, jitter \(formatNumber(jitter, digits: 1)) ms"
                + (rtt.map { ", round trip \(formatNumber($0, digits: 1)) ms" } ?? ""), false)
        case .offerRejected(_, let status, let reason): (.warning, "offer refused: \(status) \(reason)", false)
        case .fileWritten(let path, let seconds): (.info, "wrote \(formatNumber(seconds, digits: 2)) s to \(path)", false)
        case .callEnded(_, let reason) where reason.hasPrefix("refused with"): (.debug, "incoming call \(reason)", false)
        case .callEnded(_, let reason): (.info, reason == "remote BYE" ? "call closed by remote party" : "call closed (\(reason))", false)
        case .sipMessage: nil
        case .transferRequested(_, let target): (.info, "transfer to \(target) requested", false)
        case .transferStatus(_, let target, let status, let reason): (.info, "transfer to \(target): \(status) \(reason)", false)
        case .peerUnreachable(let target, let seconds):
            (.warning, "\(target) stopped answering OPTIONS (nothing for \(formatNumber(seconds, digits: 1)) s)", false)
        case .peerReachable(let target, let status): (.info, "\(target) answers OPTIONS (\(status))", false)
        case .log(let level, let text): (level, text, false)
        case .summary: nil
        }
    }

    /// One JSON object for this event (`--events json`): always `event` and `time` (seconds
    /// since the epoch), then the event's fields.
    public func json(time: Double) -> String {
        var fields: [(String, JSONValue)] = []
        let name: String
        switch self {
        case .listening(let transport, let address):
            name = "listening"; fields = [("transport", .string(transport)), ("address", .string(address))]
        case .registered(let aor, let expires):
            name = "registered"; fields = [("aor", .string(aor)), ("expires", .int(expires))]
        case .registrationFailed(let status, let reason, let retry):
            name = "registration_failed"; fields = [("status", .int(status)), ("reason", .string(reason)), ("retry", .int(retry))]
        case .unregistered(let aor, let status):
            name = "unregistered"; fields = [("aor", .string(aor)), ("status", .int(status))]
        case .response(let method, let status, let reason, let state, let call):
            name = "response"
            fields = [("method", .string(method)), ("status", .int(status)), ("reason", .string(reason)), ("state", .string(state)),
                      ("call", call.map(JSONValue.string) ?? .null)]
        case .incomingCall(let call, let from):
            name = "incoming_call"; fields = [("call", .string(call)), ("from", .string(from))]
        case .callState(let call, let state, let hold):
            name = "call_state"; fields = [("call", .string(call)), ("state", .string(state)), ("hold", hold.map(JSONValue.string) ?? .null)]
        case .codec(let call, let codec, let payloadType, let telephoneEvent, let security):
            name = "codec"
            fields = [("call", .string(call)), ("codec", .string(codec)), ("payload_type", .int(payloadType)),
                      ("telephone_event", telephoneEvent.map(JSONValue.int) ?? .null), ("security", .string(security))]
        case .dtmfSent(let call, let digits):
            name = "dtmf_sent"; fields = [("call", .string(call)), ("digits", .string(digits))]
        case .dtmfReceived(let call, let digit, let method):
            name = "dtmf_received"; fields = [("call", .string(call)), ("digit", .string(digit)), ("method", .string(method))]
        case .spoken(let call, let text):
            name = "spoken"; fields = [("call", .string(call)), ("text", .string(text))]
        case .recognized(let call, let text, let start, let end):
            name = "recognized"
            fields = [("call", .string(call)), ("text", .string(text)), ("start", .double(start)), ("end", .double(end))]
        case .toneDetected(let call, let frequency, let start):
            name = "tone_detected"; fields = [("call", .string(call)), ("frequency", .int(frequency)), ("start", .double(start))]
        case .messageReceived(let from, let text):
            name = "message_received"; fields = [("from", .string(from)), ("text", .string(text))]
        case .messageSent(let to, let text, let status):
            name = "message_sent"; fields = [("to", .string(to)), ("text", .string(text)), ("status", .int(status))]
        case .rtpStatistics(let call, let received, let lost, let jitter, let rtt, let late):
            name = "rtp_stats"
            fields = [("call", .string(call)), ("received", .int(received)), ("lost", .int(lost)), ("jitter_ms", .double(jitter)),
                      ("rtt_ms", rtt.map(JSONValue.double) ?? .null), ("late_frames", .int(late))]
        case .offerRejected(let call, let status, let reason):
            name = "offer_rejected"; fields = [("call", .string(call)), ("status", .int(status)), ("reason", .string(reason))]
        case .fileWritten(let path, let seconds):
            name = "file_written"; fields = [("path", .string(path)), ("seconds", .double(seconds))]
        case .callEnded(let call, let reason):
            name = "call_ended"; fields = [("call", .string(call)), ("reason", .string(reason))]
        case .sipMessage(let record):
            name = "sip_message"
            fields = [("call", .string(record.call)), ("direction", .string(record.sent ? "sent" : "received")),
                      ("method", .string(record.method)), ("status", record.status.map(JSONValue.int) ?? .null),
                      ("reason", record.reason.map(JSONValue.string) ?? .null), ("cseq", .string(record.cseq)),
                      ("local", .string(record.local)), ("remote", .string(record.remote)),
                      ("sdp", record.sdp.map(JSONValue.string) ?? .null), ("note", record.note.map(JSONValue.string) ?? .null),
                      ("at", .double(record.at))]
        case .transferRequested(let call, let target):
            name = "transfer_requested"; fields = [("call", .string(call)), ("target", .string(target))]
        case .transferStatus(let call, let target, let status, let reason):
            name = "transfer_status"
            fields = [("call", .string(call)), ("target", .string(target)), ("status", .int(status)), ("reason", .string(reason))]
        case .peerUnreachable(let target, let seconds):
            name = "peer_unreachable"; fields = [("target", .string(target)), ("seconds", .double(seconds))]
        case .peerReachable(let target, let status):
            name = "peer_reachable"; fields = [("target", .string(target)), ("status", .int(status))]
        case .log(let level, let text):
            name = "log"; fields = [("level", .string(level.description)), ("text", .string(text))]
        case .summary(let status, let calls, let sent, let received):
            name = "summary"
            fields = [("exit_status", .int(Int(status))), ("calls", .int(calls)), ("messages_sent", .int(sent)),
                      ("messages_received", .int(received))]
        }
        let all = [("event", JSONValue.string(name)), ("time", .double(time))] + fields
        return "{" + all.map { "\(JSONValue.string($0.0).encoded):\($0.1.encoded)" }.joined(separator: ",") + "}"
    }
}

/// The few JSON values events and reports need, encoded by hand (RFC 8259 §7 string escapes).
public enum JSONValue: Sendable {
    /// A string, escaped.
    case string(String)
    /// An integer.
    case int(Int)
    /// A number with three decimals; `null` when not finite.
    case double(Double)
    /// `null`.
    case null

    /// The value as JSON text.
    public var encoded: String {
        switch self {
        case .null: return "null"
        case .int(let value): return String(value)
        case .double(let value): return value.isFinite ? formatNumber(value, digits: 3) : "null"
        case .string(let text):
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
    }
}

/// `value` with `digits` decimals, without Foundation.
func formatNumber(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale), fraction = Int(scaled.truncatingRemainder(dividingBy: scale))
    let sign = value < 0 && scaled > 0 ? "-" : ""
    guard digits > 0 else { return "\(sign)\(whole)" }
    let text = String(fraction)
    return "\(sign)\(whole)." + String(repeating: "0", count: digits - text.count) + text
}
