import Foundation
import NIOCore
import SDP
import SIPCore
import SIPDialog

/// New offers inside a call, both ways (RFC 3264 §8, RFC 3311): the peer's re-INVITE or UPDATE,
/// answered or refused with 488 (the media stays as it was); ours — hold, resume, a codec
/// change — sent by re-INVITE, and applied when answered.
extension Call {
    // MARK: The peer's offers (on the loop, from the user agent's hooks)

    /// The peer sent a re-INVITE or UPDATE.
    func modify(_ request: SIPMessage) -> SIPUserAgent.OfferReply {
        if request.body.isEmpty {
            // A re-INVITE without an offer: ours goes in the 2xx, the answer comes in the ACK.
            return .accept(media.offer(lineEnding: endpoint.lineEnding))
        }
        do {
            let (answer, negotiated) = try media.answer(request.body, lineEnding: endpoint.lineEnding)
            handle(.renegotiated(negotiated))
            return .accept(answer)
        } catch {
            // RFC 3261 §21.4.26: 488, with a Warning that says why (RFC 3261 §20.43).
            endpoint.report(.offerRejected(call: id, status: 488, reason: error.reason))
            emit(.offerRejected(status: 488, reason: error.reason))
            return .reject(status: 488, warning: error.warningHeader(agent: "callwire"))
        }
    }

    /// The ACK of a re-INVITE that had no offer carried the answer to ours.
    func ackAnswer(_ body: [UInt8]) {
        do {
            handle(.renegotiated(try media.accept(answer: body)))
        } catch {
            endpoint.report(.log(level: .warning, text: "invalid answer in the ACK: \(error)"))
        }
    }

    // MARK: Our offers

    /// Puts the call on hold: a re-INVITE with `a=sendonly` (RFC 3264 §8.4) — the far end stops
    /// sending. Returns the re-INVITE's final status (491 when another offer is under way).
    @discardableResult
    public func hold() async -> Int { await reoffer { call in
        call.machine.localHold = true
        call.media.setLocalHold(true)
    } revert: { call in
        call.machine.localHold = false
        call.media.setLocalHold(false)
    } }

    /// Takes the call off hold: a re-INVITE with `a=sendrecv`.
    @discardableResult
    public func resume() async -> Int { await reoffer { call in
        call.machine.localHold = false
        call.media.setLocalHold(false)
    } revert: { call in
        call.machine.localHold = true
        call.media.setLocalHold(true)
    } }

    /// Offers only `codecs` (`PCMA`, `speex/16000`) in a re-INVITE; once answered the call runs
    /// the chosen one, and later offers list it first. An empty list offers every codec again.
    /// Returns the final status (488 from the peer when it takes none; 0 when none of `codecs` is
    /// a codec of this call).
    @discardableResult
    public func reoffer(codecs: [String]) async -> Int {
        let known = (try? await endpoint.eventLoop.submit { [self] in media.codecNames }.get()) ?? []
        return await reoffer { call in
            _ = call.media.restrictCodecs(to: codecs)
        } revert: { call in
            _ = call.media.restrictCodecs(to: [])
        } valid: { _ in
            codecs.isEmpty || codecs.contains { wanted in known.contains { $0.lowercased() == wanted.lowercased()
                || $0.lowercased().hasPrefix(wanted.lowercased() + "/") } }
        }
    }

    /// Sends our offer after `prepare`, applies the answer, or undoes `prepare` with `revert`.
    private func reoffer(_ prepare: @escaping @Sendable (Call) -> Void, revert: @escaping @Sendable (Call) -> Void,
                         valid: @escaping @Sendable (Call) -> Bool = { _ in true }) async -> Int {
        let future = endpoint.eventLoop.flatSubmit { [self] () -> EventLoopFuture<Int> in
            let promise = endpoint.eventLoop.makePromise(of: Int.self)
            guard machine.state.isAnswered else {
                promise.succeed(481)
                return promise.futureResult
            }
            guard valid(self) else {
                promise.succeed(0)
                return promise.futureResult
            }
            prepare(self)
            let body = media.offer(lineEnding: endpoint.lineEnding)
            endpoint.agent.offer(sip, body: body) { [self] status, response in
                if (200...299).contains(status), let response, !response.body.isEmpty {
                    do {
                        let negotiated = try media.accept(answer: response.body)
                        handle(.renegotiated(negotiated))
                        // Later offers keep the codec now in use first.
                        _ = media.restrictCodecs(to: [negotiated.codec.encoding + "/" + String(negotiated.codec.clockRate)]
                                                   + media.codecNames)
                    } catch {
                        endpoint.report(.log(level: .warning, text: "invalid answer to our offer: \(error)"))
                        revert(self)
                    }
                } else if status >= 300 {
                    revert(self)
                    let reason = response?.reason ?? "no answer"
                    endpoint.report(.offerRejected(call: id, status: status, reason: reason))
                    emit(.offerRejected(status: status, reason: reason))
                }
                promise.succeed(status)
            }
            return promise.futureResult
        }
        return (try? await future.get()) ?? 500
    }
}
