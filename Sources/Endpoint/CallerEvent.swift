/// What a ``Caller`` reports: the typed stream for programs that embed Callwire, printed by
/// the command line as the seed's log lines or as JSON objects (`--events json`, schema in the
/// README).
public enum CallerEvent: Sendable, Equatable {
    /// A SIP listener is up.
    case listening(transport: String, address: String)
    /// A REGISTER succeeded.
    case registered(aor: String, expires: Int)
    /// A REGISTER failed; it is tried again after `retry` seconds.
    case registrationFailed(status: Int, reason: String, retry: Int)
    /// The binding was removed on exit.
    case unregistered(aor: String, status: Int)
    /// A response to our INVITE, re-INVITE or UPDATE (any, 1xx included), or a failed MESSAGE,
    /// with the call's Call-ID (nil for a MESSAGE) and state.
    case response(method: String, status: Int, reason: String, state: String, call: String?)
    /// An incoming call arrived.
    case incomingCall(call: String, from: String)
    /// A call changed state: idle, inviting, ringing, early, active, held, terminating, closed
    /// (``CallState``'s names); `hold` says who holds a held call (local, remote, both).
    case callState(call: String, state: String, hold: String?)
    /// The codec a call settled on, and what protects its media (`AES_CM_128_HMAC_SHA1_80 (SDES)`,
    /// `DTLS-SRTP`, or `unencrypted`).
    case codec(call: String, codec: String, payloadType: Int, telephoneEvent: Int?, security: String)
    /// DTMF keys we sent.
    case dtmfSent(call: String, digits: String)
    /// A DTMF key the far end sent, and how: `rfc4733`, `info` (SIP INFO) or `inband`.
    case dtmfReceived(call: String, digit: String, method: String)
    /// Text spoken into the call.
    case spoken(call: String, text: String)
    /// Words recognized in what the far end said, with media times in seconds.
    case recognized(call: String, text: String, start: Double, end: Double)
    /// A steady tone at `frequency` Hz from `start` (seconds of media), from a `tone-detector`.
    case toneDetected(call: String, frequency: Int, start: Double)
    /// A MESSAGE arrived.
    case messageReceived(from: String, text: String)
    /// A MESSAGE we sent was accepted.
    case messageSent(to: String, text: String, status: Int)
    /// RTP reception at the end of a call, the round-trip time from RTCP when measured, and the
    /// media ticks that ran more than a period late.
    case rtpStatistics(call: String, received: Int, lost: Int, jitterMilliseconds: Double, roundTripMilliseconds: Double?,
                       lateFrames: Int)
    /// An offer inside a call was refused: by the peer (ours), or by us (the peer's, 488).
    case offerRejected(call: String, status: Int, reason: String)
    /// A file was written (a recording).
    case fileWritten(path: String, seconds: Double)
    /// A call ended; an incoming call refused before it was set up ends with the reason
    /// `refused with STATUS` (501, 486, 488, 503, or `--auto-respond`'s status).
    case callEnded(call: String, reason: String)
    /// A SIP message sent or received (with ``CallerOptions/reportSIPMessages``: `--events
    /// json`, `--ladder`).
    case sipMessage(SIPMessageRecord)
    /// The far end asked to transfer a call to `target` (a REFER, RFC 3515).
    case transferRequested(call: String, target: String)
    /// How a transfer goes: as the transferee, the status of our call to `target` (what our
    /// NOTIFYs say); as the transferor, the status the far end's NOTIFY reported.
    case transferStatus(call: String, target: String, status: Int, reason: String)
    /// The proxy, registrar or peer stopped answering OPTIONS pings (`--options-ping`) for
    /// `seconds`.
    case peerUnreachable(target: String, seconds: Double)
    /// It answers again (any response counts).
    case peerReachable(target: String, status: Int)
    /// A log line with no event of its own.
    case log(level: LogLevel, text: String)
    /// The last event: the exit status and what was done.
    case summary(exitStatus: Int32, calls: Int, messagesSent: Int, messagesReceived: Int)
}

/// Log levels, as Python's logging names them (the seed's format).
public enum LogLevel: Int, Sendable, Comparable, CustomStringConvertible {
    case debug = 10, info = 20, warning = 30, error = 40, critical = 50

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .debug: "DEBUG"
        case .info: "INFO"
        case .warning: "WARNING"
        case .error: "ERROR"
        case .critical: "CRITICAL"
        }
    }
}
