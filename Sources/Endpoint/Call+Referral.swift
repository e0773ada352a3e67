import NIOCore
import SIPCore
import SIPDialog

/// What a REFER from the far end gets (`--accept-transfer`).
public enum TransferPolicy: String, Sendable, CaseIterable {
    /// Accepted: the target is called at once.
    case yes
    /// Declined with 603.
    case no
    /// Accepted (202), then held until ``Call/acceptTransfer()`` or ``Call/declineTransfer()``
    /// (`/accept`, `/decline`); declined after 30 s without a decision.
    case ask
}

/// A REFER we took: where to call, with which headers, and how to report.
final class Referral: @unchecked Sendable {
    /// The Refer-To address without its headers, and that address for the To of the new call.
    let target: NameAddress
    /// Headers the new INVITE carries: Replaces from the Refer-To URI (RFC 3891), Referred-By
    /// (RFC 3892).
    let headers: [(SIPHeaderName, String)]
    /// Whether NOTIFYs are sent (not after `Refer-Sub: false`, RFC 4488).
    let subscribed: Bool
    /// The Event header of the NOTIFYs (`refer`, with `;id=` for a later REFER, RFC 3515 §2.4.6).
    let event: String
    /// The dial under way (owned here, cancelled when the call closes), the ask timer, and the
    /// call to the target once placed.
    var task: Task<Void, Never>?
    var timer: Scheduled<Void>?
    var call: Call?
    var started = false

    init(target: NameAddress, headers: [(SIPHeaderName, String)], subscribed: Bool, event: String) {
        self.target = target
        self.headers = headers
        self.subscribed = subscribed
        self.event = event
    }
}

/// Being transferred (RFC 3515): a REFER from the far end is taken (`--accept-transfer`), the
/// Refer-To target called — honouring a Replaces embedded in its URI — and the far end told
/// how it goes in NOTIFYs carrying a sipfrag (RFC 3420): `100 Trying` at once, then the final
/// status. Once the new call is answered this one is hung up.
extension Call {
    /// A REFER (on the loop, from the user agent's hook).
    func referred(_ request: SIPMessage) -> ReferReply {
        guard referral == nil else { return ReferReply(status: 491) }
        guard let value = request.headers[.referTo], let referTo = try? NameAddress.parse(value), referTo.uri.scheme.isSIP else {
            return ReferReply(status: 416)
        }
        var uri = referTo.uri
        var headers: [(SIPHeaderName, String)] = []
        // Of the URI's headers only Replaces is taken (RFC 3891 §6.1); others could forge a call.
        if let replaces = uri.headers.first(where: { $0.name.lowercased() == "replaces" })?.value {
            headers.append((.replaces, replaces))
        }
        uri.headers = []
        let referrer = request.headers[.referredBy] ?? ((try? request.from) ?? nil).map { NameAddress(uri: $0.uri).description }
        if let referrer { headers.append((.referredBy, referrer)) }
        let target = NameAddress(displayName: referTo.displayName, uri: uri)
        guard endpoint.options.acceptTransfer != .no else {
            endpoint.report(.log(level: .info, text: "declined a transfer to \(uri) (--accept-transfer no)"))
            return ReferReply(status: 603)
        }
        refersReceived += 1
        let sequence = (try? request.cseq)??.sequence ?? 0
        let referral = Referral(target: target, headers: headers, subscribed: SIPUserAgent.wantsSubscription(request),
                                event: refersReceived > 1 ? "refer;id=\(sequence)" : "refer")
        self.referral = referral
        endpoint.report(.transferRequested(call: id, target: uri.description))
        emit(.transferRequested(target: uri.description))
        let ask = endpoint.options.acceptTransfer == .ask
        let shown = uri.description
        return ReferReply(status: 202) { [self] in
            notifyReferrer(referral, status: 100, reason: "Trying", final: false)
            if ask {
                endpoint.report(.log(level: .info, text: "call \(number): type /accept \(number) to be transferred to \(shown), /decline \(number) to stay"))
                referral.timer = endpoint.eventLoop.scheduleTask(in: .seconds(30)) { [self] in decline(referral) }
            } else {
                start(referral)
            }
        }
    }

    /// With `--accept-transfer ask`: goes ahead with the transfer the far end asked for.
    /// - Returns: false when no transfer waits for a decision.
    @discardableResult
    public func acceptTransfer() async -> Bool {
        (try? await endpoint.eventLoop.submit { [self] () -> Bool in
            guard let referral, !referral.started else { return false }
            start(referral)
            return true
        }.get()) ?? false
    }

    /// With `--accept-transfer ask`: stays in this call; the far end is told 603 Declined.
    /// - Returns: false when no transfer waits for a decision.
    @discardableResult
    public func declineTransfer() async -> Bool {
        (try? await endpoint.eventLoop.submit { [self] () -> Bool in
            guard let referral, !referral.started else { return false }
            decline(referral)
            return true
        }.get()) ?? false
    }

    private func decline(_ referral: Referral) {
        guard self.referral === referral, !referral.started else { return }
        self.referral = nil
        referral.timer?.cancel()
        notifyReferrer(referral, status: 603, reason: "Declined", final: true)
    }

    /// Calls the target; the new call's events drive the NOTIFYs.
    private func start(_ referral: Referral) {
        referral.started = true
        referral.timer?.cancel()
        let endpoint = endpoint
        referral.task = Task { [weak self] in
            do {
                // Followed from the moment it exists: its answer may come at once.
                _ = try await endpoint.dial(referral.target, uri: referral.target.uri, headers: referral.headers) { [weak self] next in
                    self?.placed(next, for: referral)
                }
            } catch {
                endpoint.eventLoop.execute { [weak self] in self?.referralEnded(referral, status: 503, reason: "\(error)") }
            }
        }
    }

    /// The call to the target is being placed (on the loop): follow it.
    private func placed(_ next: Call, for referral: Referral) {
        referral.call = next
        successor = next
        if continuesJob || direction == .outgoing { next.continuesJob = true }
        next.watchers.append { [weak self, weak next] event in
            guard let self, let next else { return }
            switch event {
            case .state(let state) where state.isAnswered:
                referralEnded(referral, status: 200, reason: "OK")
            case .ended:
                // Ended before it was answered (once answered, the transfer is already done).
                referralEnded(referral, status: next.failure?.status ?? 487, reason: next.failure?.reason ?? "Request Terminated")
            default:
                break
            }
        }
    }

    /// The transfer's outcome is known (on the loop): the final NOTIFY, then — when the target
    /// answered — this call ends. The transferor sends that BYE once it has the NOTIFY (RFC 5589
    /// §6); if it has not 2 s after answering the NOTIFY (or without a subscription), we do.
    private func referralEnded(_ referral: Referral, status: Int, reason: String) {
        guard self.referral === referral else { return }
        self.referral = nil
        let success = (200...299).contains(status)
        if !success { successor = nil }
        notifyReferrer(referral, status: status, reason: reason, final: true) { [self] in
            guard success else { return }
            endpoint.eventLoop.scheduleTask(in: .seconds(2)) { [weak self] in self?.hangUpOnLoop(reason: "transferred") }
        }
    }

    /// Reports a status to the transferor (a NOTIFY with a sipfrag, unless it declined the
    /// subscription) and to our own events; `then` runs once the NOTIFY is answered.
    private func notifyReferrer(_ referral: Referral, status: Int, reason: String, final: Bool,
                                then: @escaping @Sendable () -> Void = {}) {
        endpoint.report(.transferStatus(call: id, target: referral.target.uri.description, status: status, reason: reason))
        emit(.transfer(status: status, reason: reason))
        guard referral.subscribed else {
            then()
            return
        }
        let state = final ? "terminated;reason=noresource" : "active;expires=60"
        endpoint.agent.request(in: sip, method: .notify, body: SIPUserAgent.sipfrag(status: status, reason: reason),
                               contentType: "message/sipfrag",
                               headers: [(.event, referral.event), (.subscriptionState, state)]) { _, _ in then() }
    }

    /// The call has closed (on the loop): a REFER of ours fails; one we took and started goes
    /// on (the far end may hang up as soon as it has our 202) unless the endpoint is closing.
    func closeTransfers() {
        finishTransfer(.failed(status: 487, reason: "the call ended"))
        if let referral {
            referral.timer?.cancel()
            if endpoint.closing { referral.task?.cancel() }
            if !referral.started { self.referral = nil }
        }
        watchers = []
    }
}
