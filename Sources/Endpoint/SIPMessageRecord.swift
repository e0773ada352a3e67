import SDP
import SIPDialog
public import SIPCore
public import SIPTransport

/// One SIP message as sent or received, in the words a ladder diagram (and `--events json`'s
/// `sip_message` line) needs: which call, which way, the method or status, the CSeq, both
/// addresses, and what its body says (the SDP's codec and direction, or a sipfrag status).
public struct SIPMessageRecord: Sendable, Hashable {
    /// The Call-ID.
    public var call: String
    /// Whether we sent it (else we received it).
    public var sent: Bool
    /// The request's method, or for a response the method of its CSeq.
    public var method: String
    /// The status of a response (nil for a request).
    public var status: Int?
    /// The reason phrase of a response.
    public var reason: String?
    /// The CSeq header (`2 INVITE`).
    public var cseq: String
    /// Our address (`host:port`).
    public var local: String
    /// The far address it went to or came from (`host:port`).
    public var remote: String
    /// What an SDP body says: `PCMU/8000 sendrecv`, `PCMU/8000 sendonly hold` (nil: no SDP).
    public var sdp: String?
    /// Another body worth showing: the status line of a sipfrag (`SIP/2.0 200 OK`).
    public var note: String?
    /// When, in seconds on the endpoint's clock (virtual in tests).
    public var at: Double

    /// A record from its fields.
    public init(call: String, sent: Bool, method: String, status: Int?, reason: String?, cseq: String, local: String,
                remote: String, sdp: String?, note: String?, at: Double) {
        self.call = call
        self.sent = sent
        self.method = method
        self.status = status
        self.reason = reason
        self.cseq = cseq
        self.local = local
        self.remote = remote
        self.sdp = sdp
        self.note = note
        self.at = at
    }

    /// The record of `message`, sent (or received) by `local` to (from) `remote` at `at`.
    public init(_ message: SIPMessage, sent: Bool, local: SIPDestination, remote: SIPDestination, at: Double) {
        let cseq = (try? message.cseq) ?? nil
        self.init(call: ((try? message.callID) ?? nil) ?? "", sent: sent,
                  method: message.method?.rawValue ?? cseq?.method.rawValue ?? "?", status: message.status,
                  reason: message.status == nil ? nil : message.reason, cseq: cseq?.description ?? "",
                  local: local.hostPort, remote: remote.hostPort, sdp: nil, note: nil, at: at)
        let type = ((try? message.contentType) ?? nil).map { "\($0.type)/\($0.subtype)" }
        var notes: [String] = []
        if !message.body.isEmpty {
            switch type {
            case "application/sdp":
                sdp = Self.summary(ofSDP: message.body)
            case "message/sipfrag":
                notes += String(decoding: message.body.prefix(120), as: UTF8.self).split(whereSeparator: \.isNewline).prefix(1).map(String.init)
            default:
                break
            }
        }
        // What the call-control extensions say: a transfer's target, a replaced dialog, a
        // reliable provisional and its PRACK, the session interval.
        if let value = message.headers[.referTo], var target = (try? NameAddress.parse(value))?.uri {
            let replaces = !target.headers.isEmpty
            target.headers = []
            notes.append("Refer-To \(target)" + (replaces ? " (with Replaces)" : ""))
        }
        if message.headers.contains(.replaces) { notes.append("Replaces") }
        if let rseq = message.headers[.rseq] { notes.append("RSeq \(rseq)") }
        if let rack = message.headers[.rack] { notes.append("RAck \(rack)") }
        if let expires = message.headers[.sessionExpires] { notes.append("SE \(expires)") }
        note = notes.isEmpty ? nil : notes.joined(separator: ", ")
    }

    /// `PCMU/8000 sendrecv`: the first audio stream's first codec and its direction, with
    /// `hold` when it does not receive (`sendonly`, `inactive`, or the old `c=0.0.0.0`).
    static func summary(ofSDP body: [UInt8]) -> String {
        guard let session = try? SessionDescription(parsing: body) else { return "invalid SDP" }
        guard let audio = session.media.first(where: { $0.type == "audio" }) else { return "no audio" }
        if audio.port == 0 { return "audio rejected" }
        let codec = audio.payloadTypes.lazy.compactMap { audio.rtpMap(for: $0) }.first { $0.encoding.lowercased() != "telephone-event" }
        let name = codec.map { "\($0.encoding)/\($0.clockRate)" } ?? audio.formats.first ?? "?"
        var direction = audio.direction
            ?? session.attributes.lazy.compactMap { Direction(rawValue: $0.name.lowercased()) }.first ?? .sendrecv
        let nullAddress = (audio.connections.first ?? session.connection)?.isNullAddress == true
        if nullAddress { direction = Direction(sends: direction.sends, receives: false) }
        return "\(name) \(direction.rawValue)" + (direction.receives ? "" : " hold")
    }
}
