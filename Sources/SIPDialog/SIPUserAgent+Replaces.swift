public import SIPCore

/// The Replaces header (RFC 3891): what an INVITE names to replace, and the §3 checks that
/// decide whether it may.
public struct Replaces: Sendable, Hashable, CustomStringConvertible {
    /// The Call-ID of the dialog to replace.
    public var callID: String
    /// Its tag at the side receiving the INVITE (compared with the local tag there).
    public var toTag: String
    /// Its tag at the other side (compared with the remote tag).
    public var fromTag: String
    /// `early-only`: replace the dialog only while it is early.
    public var earlyOnly: Bool

    /// Creates a value.
    public init(callID: String, toTag: String, fromTag: String, earlyOnly: Bool = false) {
        self.callID = callID
        self.toTag = toTag
        self.fromTag = fromTag
        self.earlyOnly = earlyOnly
    }

    /// The value that, sent to the far end of `dialog` inside an INVITE from someone else,
    /// replaces it there: its tags seen from that end (its local tag is our remote one).
    public init(replacingAtPeer dialog: Dialog) {
        self.init(callID: dialog.id.callID, toTag: dialog.id.remoteTag, fromTag: dialog.id.localTag)
    }

    /// Parses `callid;to-tag=a;from-tag=b[;early-only]`; nil when a part is missing.
    public init?(parsing text: String) {
        let parts = text.split(separator: ";").map { $0.trimmed }
        guard let first = parts.first, !first.isEmpty else { return nil }
        var to: String?, from: String?, early = false
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard let name = pair.first else { continue }   // an empty part (`a; ;b`)
            switch name.lowercased() {
            case "to-tag" where pair.count == 2: to = pair[1]
            case "from-tag" where pair.count == 2: from = pair[1]
            case "early-only": early = true
            default: continue
            }
        }
        guard let to, let from else { return nil }
        self.init(callID: first, toTag: to, fromTag: from, earlyOnly: early)
    }

    public var description: String {
        "\(callID);to-tag=\(toTag);from-tag=\(fromTag)" + (earlyOnly ? ";early-only" : "")
    }
}

extension SIPHeaderName {
    /// `Replaces` (RFC 3891).
    public static var replaces: SIPHeaderName { SIPHeaderName("Replaces") }
    /// `Refer-Sub` (RFC 4488).
    public static var referSub: SIPHeaderName { SIPHeaderName("Refer-Sub") }
}

extension SIPUserAgent {
    /// The call an incoming INVITE's Replaces names, after RFC 3891 §3's checks: one Replaces
    /// only (else 400); the dialog must exist (481; 603 when it has just ended); an early-only
    /// one must still be early (486); an early dialog may be replaced only when this side
    /// started it (481). nil with no rejection: no Replaces at all.
    func replacedCall(by request: SIPMessage) -> (call: Call?, rejection: SIPMessage?) {
        let values = request.headers.values(.replaces)
        guard !values.isEmpty else { return (nil, nil) }
        func reject(_ status: Int, _ reason: String? = nil) -> (Call?, SIPMessage?) {
            (nil, SIPMessage.response(to: request, status: status, reason: reason, toTag: SIPIdentifiers.tag()))
        }
        guard values.count == 1, let replaces = Replaces(parsing: values[0]) else {
            return reject(400, "Bad Request (one Replaces with to-tag and from-tag)")
        }
        let id = Dialog.ID(callID: replaces.callID, localTag: replaces.toTag, remoteTag: replaces.fromTag)
        guard let call = calls[replaces.callID], call.state != .terminated else {
            return endedDialogSet.contains(id) ? reject(603, "Decline (that call has ended)") : reject(481)
        }
        if let dialog = call.dialog, dialog.state == .confirmed || call.state == .established {
            guard dialog.id == id else { return reject(481) }
            return replaces.earlyOnly ? reject(486) : (call, nil)
        }
        // Early: only a dialog of an INVITE we sent, matched by our From tag and its To tag.
        guard !call.isIncoming, (try? call.invite.from)?.tag == replaces.toTag,
              call.earlyDialogs[replaces.fromTag] != nil else { return reject(481) }
        return (call, nil)
    }
}
