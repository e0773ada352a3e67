import NIOCore
public import SIPCore
import SIPDialog

/// How a transfer we asked for ended.
public enum TransferOutcome: Sendable, Equatable {
    /// The far end reached the target (its last NOTIFY said 2xx); this call was hung up.
    case transferred
    /// The far end took the REFER without a subscription (`Refer-Sub: false`, RFC 4488): the
    /// result is not reported.
    case accepted
    /// The REFER was refused, or the far end's call to the target failed (the sipfrag status),
    /// or no final report came.
    case failed(status: Int, reason: String)
}

/// A REFER we sent, waiting for its final NOTIFY.
final class TransferOut: @unchecked Sendable {
    let target: String
    let promise: EventLoopPromise<TransferOutcome>
    var timer: Scheduled<Void>?

    init(target: String, promise: EventLoopPromise<TransferOutcome>) {
        self.target = target
        self.promise = promise
    }
}

/// Transferring a call (RFC 3515 REFER, RFC 5589 call-transfer flows): blind, to a URI; or
/// attended, to the party of another call, with Replaces naming that call's dialog (RFC 3891)
/// so the far end's new call takes its place. The far end's NOTIFYs (sipfrag, RFC 3420) report
/// how its call to the target goes; once it is answered this call is hung up.
extension Call {
    /// Blind transfer: asks the far end to call `target` (a REFER with Refer-To and our
    /// Referred-By) and waits for the outcome. On success this call has been hung up.
    public func transfer(to target: SIPURI) async -> TransferOutcome {
        await refer { _ in target }
    }

    /// Attended transfer: asks this call's far end to call the party of `other`, replacing
    /// `other`'s dialog there (Refer-To: its remote target with `?Replaces=…`). The party of
    /// `other` ends its call with us itself (RFC 3891); on success this call is hung up too.
    public func transfer(to other: Call) async -> TransferOutcome {
        await refer { _ in
            guard other !== self, other.machine.state.isAnswered, let dialog = other.sip.dialog else { return nil }
            var uri = dialog.remoteTarget
            uri.headers = [SIPURI.Parameter("Replaces", Replaces(replacingAtPeer: dialog).description)]
            return uri
        }
    }

    /// Sends the REFER (on the loop) and waits for the final NOTIFY.
    private func refer(_ target: @escaping @Sendable (Call) -> SIPURI?) async -> TransferOutcome {
        let loop = endpoint.eventLoop
        let future = loop.flatSubmit { [self] () -> EventLoopFuture<TransferOutcome> in
            guard machine.state.isAnswered else { return loop.makeSucceededFuture(.failed(status: 481, reason: "the call is not answered")) }
            guard transferOut == nil else { return loop.makeSucceededFuture(.failed(status: 491, reason: "a transfer is under way")) }
            guard let uri = target(self) else {
                return loop.makeSucceededFuture(.failed(status: 481, reason: "the other call is not answered"))
            }
            let transfer = TransferOut(target: uri.description, promise: loop.makePromise())
            transferOut = transfer
            let headers: [(SIPHeaderName, String)] = [(.referTo, "<\(uri)>"),
                                                      (.referredBy, "<\(endpoint.options.addressOfRecord)>")]
            endpoint.agent.request(in: sip, method: .refer, headers: headers) { [self] status, response in
                guard transferOut === transfer else { return }
                guard (200...299).contains(status) else {
                    let reason = response?.reason ?? "no answer"
                    endpoint.report(.transferStatus(call: id, target: transfer.target, status: status, reason: reason))
                    emit(.transfer(status: status, reason: reason))
                    finishTransfer(.failed(status: status, reason: reason))
                    return
                }
                if response?.headers[.referSub]?.lowercased().contains("false") == true {
                    finishTransfer(.accepted)
                    return
                }
                // The final NOTIFY should come well within a subscription's life.
                transfer.timer = loop.scheduleTask(in: .seconds(64)) { [self] in
                    finishTransfer(.failed(status: 408, reason: "no final NOTIFY from the far end"))
                }
            }
            return transfer.promise.futureResult
        }
        return (try? await future.get()) ?? .failed(status: 500, reason: "the endpoint is closed")
    }

    /// A NOTIFY of the `refer` package (on the loop): the far end's progress as a sipfrag.
    func transferProgress(_ request: SIPMessage) -> Int {
        guard let transfer = transferOut else { return 481 }
        guard let status = SIPUserAgent.sipfragStatus(request.body) else { return 400 }
        let line = String(decoding: request.body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
        let reason = line.split(separator: " ", maxSplits: 2).dropFirst(2).first.map(String.init) ?? ""
        endpoint.report(.transferStatus(call: id, target: transfer.target, status: status, reason: reason))
        emit(.transfer(status: status, reason: reason))
        let terminated = request.headers[.subscriptionState]?.lowercased().hasPrefix("terminated") ?? false
        if status >= 200 || terminated {
            if (200...299).contains(status) {
                finishTransfer(.transferred)
                // RFC 5589 §6: the transfer is done; the transferor ends its call.
                endpoint.eventLoop.execute { [self] in hangUpOnLoop(reason: "transferred") }
            } else {
                finishTransfer(.failed(status: status, reason: reason))
            }
        }
        return 200
    }

    /// Completes the transfer under way (on the loop).
    func finishTransfer(_ outcome: TransferOutcome) {
        guard let transfer = transferOut else { return }
        transferOut = nil
        transfer.timer?.cancel()
        transfer.promise.succeed(outcome)
    }
}
