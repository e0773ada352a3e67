public import SIPCore

/// A SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE creates.
///
/// Holds what both sides agreed on — Call-ID, tags, CSeq spaces, the remote target and the
/// route set — and makes in-dialog requests with loose or strict routing done right.
public struct Dialog: Sendable, Hashable {
    /// Dialog states (RFC 3261 §12: early after a provisional with a tag, confirmed after a 2xx).
    public enum State: Sendable, Hashable { case early, confirmed, terminated }

    /// Identifies a dialog: Call-ID and both tags (§12).
    public struct ID: Sendable, Hashable, CustomStringConvertible {
        public var callID: String, localTag: String, remoteTag: String
        public var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }
    }

    public var state: State
    public let id: ID
    /// This side's address (From for the UAC, To for the UAS), with its tag.
    public var local: NameAddress
    /// The peer's address, with its tag.
    public var remote: NameAddress
    /// The last CSeq number this side used.
    public var localSequence: UInt32
    /// The last CSeq number the peer used (nil until it sends a request).
    public var remoteSequence: UInt32?
    /// Where in-dialog requests go: the peer's Contact (§12.1).
    public var remoteTarget: SIPURI
    /// Record-Route values in the order this side uses them as Route.
    public var routeSet: [NameAddress]
    /// Whether the dialog is secure (sips, over TLS).
    public var secure: Bool

    /// The dialog a UAC gets from a response to its INVITE with a To tag (§12.1.2).
    public init(uacRequest request: SIPMessage, response: SIPMessage) throws(SIPHeaderError) {
        guard let from = try request.from, let fromTag = from.tag, let to = try response.to, let toTag = to.tag,
              let callID = try request.callID, let cseq = try request.cseq else {
            throw SIPHeaderError("a dialog needs From and To tags, Call-ID and CSeq")
        }
        id = ID(callID: callID, localTag: fromTag, remoteTag: toTag)
        local = from
        remote = to
        localSequence = cseq.sequence
        remoteSequence = nil
        // §12.1.2: the route set is the Record-Route of the response, reversed.
        routeSet = try response.recordRoutes.reversed()
        remoteTarget = try Self.contact(of: response) ?? request.requestURI ?? to.uri
        secure = request.requestURI?.scheme == .sips
        state = (response.status ?? 0) >= 200 ? .confirmed : .early
    }

    /// The dialog a UAS creates when it answers an INVITE with a To tag (§12.1.1).
    public init(uasRequest request: SIPMessage, localTag: String) throws(SIPHeaderError) {
        guard let from = try request.from, let fromTag = from.tag, var to = try request.to, let callID = try request.callID,
              let cseq = try request.cseq else {
            throw SIPHeaderError("a dialog needs a From tag, To, Call-ID and CSeq")
        }
        to.tag = localTag
        id = ID(callID: callID, localTag: localTag, remoteTag: fromTag)
        local = to
        remote = from
        localSequence = UInt32.random(in: 1...0x7FFF_FFFF)
        remoteSequence = cseq.sequence
        // §12.1.1: the route set is the Record-Route of the request, in order.
        routeSet = try request.recordRoutes
        remoteTarget = try Self.contact(of: request) ?? from.uri
        secure = request.requestURI?.scheme == .sips
        state = .early
    }

    static func contact(of message: SIPMessage) throws(SIPHeaderError) -> SIPURI? {
        do {
            if case .addresses(let list)? = try message.contacts { return list.first?.uri }
            return nil
        } catch {
            throw SIPHeaderError("Contact: \(error.message)")
        }
    }

    /// The first hop for an in-dialog request: the first route if any, else the remote target.
    public var nextHop: SIPURI { routeSet.first?.uri ?? remoteTarget }

    /// A new request within the dialog (§12.2.1.1). ACK and CANCEL reuse the INVITE's CSeq
    /// number (give it in `sequence`); other methods take the next one.
    ///
    /// With a loose-routing first route (`;lr`) the Request-URI is the remote target and every
    /// route goes in Route. With a strict router, the first route becomes the Request-URI, the
    /// rest follow in Route, and the remote target goes last.
    public mutating func makeRequest(_ method: SIPMethod, sequence: UInt32? = nil) -> SIPMessage {
        let number: UInt32
        if let sequence {
            number = sequence
        } else {
            localSequence &+= 1
            number = localSequence
        }
        var request: SIPMessage
        if let first = routeSet.first, !first.uri.hasParameter("lr") {
            var uri = first.uri
            uri.headers = []
            request = SIPMessage(method: method, uri: uri)
            for route in routeSet.dropFirst() { request.headers.add(.route, route.description) }
            request.headers.add(.route, "<\(remoteTarget.description)>")
        } else {
            request = SIPMessage(method: method, uri: remoteTarget)
            for route in routeSet { request.headers.add(.route, route.description) }
        }
        request.headers.add(.maxForwards, "70")
        request.headers.add(.from, local.description)
        request.headers.add(.to, remote.description)
        request.headers.add(.callID, id.callID)
        request.headers.add(.cseq, "\(number) \(method.rawValue)")
        return request
    }

    /// Checks an in-dialog request's CSeq (§12.2.2): numbers must grow (ACK and CANCEL repeat
    /// the INVITE's). Returns the response to send instead of processing it, if any (500).
    public mutating func receive(_ request: SIPMessage) -> Int? {
        guard let cseq = try? request.cseq else { return 400 }
        if request.method == .ack || request.method == .cancel { return nil }
        if let last = remoteSequence, cseq.sequence <= last { return 500 }
        remoteSequence = cseq.sequence
        // §12.2.2: a target refresh (re-INVITE, UPDATE) updates the remote target.
        if request.method == .invite || request.method == .update, let target = try? Self.contact(of: request) {
            remoteTarget = target
        }
        return nil
    }

    /// Notes a response to a request this side sent in the dialog: a 2xx to a re-INVITE
    /// refreshes the remote target; a 2xx to the initial INVITE confirms the dialog.
    public mutating func receive(response: SIPMessage) {
        guard let status = response.status, (200...299).contains(status) else { return }
        state = .confirmed
        if (try? response.cseq)?.method == .invite, let target = try? Self.contact(of: response) {
            remoteTarget = target
        }
    }
}
