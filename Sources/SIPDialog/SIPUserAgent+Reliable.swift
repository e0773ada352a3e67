import NIOCore
import SIPCore

/// How this agent treats reliable provisional responses (RFC 3262, `--100rel`).
public enum ReliableProvisionals: String, Sendable, CaseIterable {
    /// Not at all: `Require: 100rel` gets 420, provisionals are never sent reliably.
    case no
    /// `Supported: 100rel`: provisionals go reliably when the caller requires it; a reliable
    /// provisional received is PRACKed.
    case supported
    /// `Require: 100rel` in our INVITEs; callers that do not support it get 421.
    case required
}

/// Reliable provisional responses (RFC 3262): as UAS, 18x with `Require: 100rel` and RSeq,
/// retransmitted from T1 doubling until the PRACK (a 5xx ends the INVITE after 64·T1 without
/// one); as UAC, a PRACK with RAck for each new reliable 18x, in its early dialog.
extension SIPUserAgent {
    // MARK: UAS

    /// Whether an incoming INVITE's provisionals go reliably, or the 421 that refuses it (§3).
    func reliableDecision(_ request: SIPMessage) -> (reliable: Bool, refusal: SIPMessage?) {
        let required = ((try? request.require) ?? []).contains { $0.lowercased() == "100rel" }
        let supported = required || Self.supports(request, "100rel")
        switch options.reliableProvisionals {
        case .no:
            return (false, nil)   // a Require: 100rel got 420 already
        case .supported:
            return (required, nil)
        case .required:
            guard supported else {
                var response = SIPMessage.response(to: request, status: 421, reason: "Extension Required", toTag: SIPIdentifiers.tag())
                response.headers.add(.require, "100rel")
                return (false, response)
            }
            return (true, nil)
        }
    }

    /// Sends a provisional response for `call`: reliably (RSeq, retransmitted) when the call
    /// uses 100rel and no reliable one is waiting for its PRACK (§3 allows one at a time).
    func sendProvisional(_ response: SIPMessage, call: Call, request: SIPStack.ServerRequest) {
        guard call.reliable, call.unacknowledged == nil else {
            stack.respond(response, to: request)
            return
        }
        var reliable = response
        if call.rseq == 0 { call.rseq = UInt32.random(in: 1...0x7FFF_FFFF) } else { call.rseq &+= 1 }
        reliable.headers.add(.require, "100rel")
        reliable.headers.add(.rseq, String(call.rseq))
        call.unacknowledged = reliable
        stack.respond(reliable, to: request)
        retransmitProvisional(call, request: request, interval: stack.timerValues.t1, elapsed: .zero)
    }

    private func retransmitProvisional(_ call: Call, request: SIPStack.ServerRequest, interval: Duration, elapsed: Duration) {
        let timers = stack.timerValues
        call.provisionalTimer = stack.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(interval))) { [self] in
            guard call.unacknowledged != nil, call.state == .ringing || call.state == .inviting else { return }
            guard elapsed + interval < timers.timeout else {
                // §3: no PRACK in 64·T1 — the INVITE fails with a 5xx.
                call.unacknowledged = nil
                var response = SIPMessage.response(to: request.message, status: 504, reason: "No PRACK", toTag: call.dialog?.id.localTag)
                if !options.product.isEmpty { response.headers.add(.server, options.product) }
                stack.respond(response, to: request)
                end(call, reason: "no PRACK")
                return
            }
            if let provisional = call.unacknowledged, !request.source.kind.isReliable {
                stack.respond(provisional, to: request)
            }
            retransmitProvisional(call, request: request, interval: interval * 2, elapsed: elapsed + interval)
        }
    }

    /// A PRACK (§3): it must name the reliable provisional awaiting one (RAck: RSeq, the INVITE's
    /// CSeq and method); then 200, else 481.
    func receivedPrack(_ call: Call, _ request: SIPStack.ServerRequest) {
        let rack = (request.message.headers[.rack] ?? "").split(separator: " ").map(String.init)
        let invite = try? call.invite.cseq
        guard rack.count == 3, let provisional = call.unacknowledged, let rseq = UInt32(rack[0]), rseq == call.rseq,
              UInt32(rack[1]) == invite?.sequence, rack[2] == "INVITE", (try? provisional.cseq)?.method == .invite else {
            stack.respond(SIPMessage.response(to: request.message, status: 481), to: request)
            return
        }
        call.unacknowledged = nil
        call.provisionalTimer?.cancel()
        stack.respond(SIPMessage.response(to: request.message, status: 200), to: request)
    }

    /// The INVITE got its final response: its provisionals stop.
    func stopProvisionals(_ call: Call) {
        call.unacknowledged = nil
        call.provisionalTimer?.cancel()
    }

    // MARK: UAC

    /// A provisional to our INVITE: a reliable one (Require: 100rel, RSeq) is PRACKed once,
    /// in order, in the early dialog it makes (§4); retransmissions are not PRACKed again.
    func acknowledgeProvisional(_ response: SIPMessage, call: Call) {
        guard let remoteTag = (try? response.to)?.tag else { return }
        if call.earlyDialogs[remoteTag] == nil, call.earlyDialogs.count < 8, let dialog = try? Dialog(uacRequest: call.invite, response: response) {
            call.earlyDialogs[remoteTag] = dialog   // also what an INVITE with Replaces matches (RFC 3891 §3)
        }
        guard options.reliableProvisionals != .no,
              ((try? response.require) ?? []).contains(where: { $0.lowercased() == "100rel" }),
              let rseq = response.headers[.rseq].flatMap({ UInt32($0.trimmed) }),
              var dialog = call.earlyDialogs[remoteTag], let cseq = try? call.invite.cseq else { return }
        if let last = call.acknowledgedRSeq[remoteTag], rseq != last &+ 1 { return }   // a repeat, or out of order
        call.acknowledgedRSeq[remoteTag] = rseq
        var prack = dialog.makeRequest(.prack)
        prack.headers.add(.rack, "\(rseq) \(cseq.sequence) INVITE")
        if !options.product.isEmpty { prack.headers.add(.userAgent, options.product) }
        call.earlyDialogs[remoteTag] = dialog
        let destination = Self.numericDestination(dialog.nextHop, kind: call.destination.kind)
            .flatMap { options.fixNAT && Self.isPrivate($0.host) ? nil : $0 } ?? call.destination
        stack.send(prack, to: destination) { _ in }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
