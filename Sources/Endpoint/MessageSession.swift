import SIPCore
import SIPDialog
import SIPTransport
import Synchronization

/// Instant messages to one peer (RFC 3428 page mode): one Call-ID and From tag for the whole
/// conversation, CSeq counting up, text/plain bodies. Typed lines become MESSAGEs; a reply
/// session answers whoever wrote to us first.
final class MessageSession: @unchecked Sendable {
    private let agent: SIPUserAgent
    let target: SIPURI
    private let to: NameAddress, from: NameAddress
    private let callID: String, fromTag: String
    private let locate: @Sendable (SIPURI) async throws(CallerError) -> [SIPDestination]
    private let report: @Sendable (CallerEvent) -> Void
    private let sequence = Mutex<UInt32>(0)
    /// Messages sent and accepted.
    let sent = Atomic<Int>(0)

    init(agent: SIPUserAgent, target: SIPURI, to: NameAddress, from: NameAddress, callID: String? = nil,
         locate: @escaping @Sendable (SIPURI) async throws(CallerError) -> [SIPDestination],
         report: @escaping @Sendable (CallerEvent) -> Void) {
        self.agent = agent
        self.target = target
        self.to = to
        self.from = from
        self.callID = callID ?? SIPIdentifiers.callID(host: agent.stack.advertised.host)
        fromTag = SIPIdentifiers.tag()
        self.locate = locate
        self.report = report
    }

    /// Sends `text` and returns the final status (responses ≥ 300 are reported, as the seed logs them).
    @discardableResult
    func send(_ text: String) async -> Result<Int, CallerError> {
        let targets: [SIPDestination]
        do {
            targets = try await locate(target)
        } catch {
            report(.response(method: "MESSAGE", status: 503, reason: "Service Unavailable", state: "", call: nil))
            return .failure(error)
        }
        let number = sequence.withLock { value -> UInt32 in
            value += 1
            return value
        }
        var request = agent.makeRequest(.message, target: target, from: from, to: to, callID: callID,
                                        sequence: number, fromTag: fromTag)
        request.headers.add(.contact, agent.contact(kind: agent.stack.advertised.kind))
        request.headers.add(.contentType, "text/plain;charset=utf-8")
        request.body = Array(text.utf8)
        let response = await agent.send(request, to: targets[0], fallbacks: Array(targets.dropFirst()))
        if let used = (try? response.cseq)??.sequence { sequence.withLock { $0 = max($0, used) } }
        let status = response.status ?? 500, reason = response.reason ?? ""
        if status >= 300 {
            report(.response(method: "MESSAGE", status: status, reason: reason, state: "", call: nil))
            return .failure(CallerError.failure(status: status, reason: reason))
        }
        sent.add(1, ordering: .relaxed)
        report(.messageSent(to: target.description, text: text, status: status))
        return .success(status)
    }
}
