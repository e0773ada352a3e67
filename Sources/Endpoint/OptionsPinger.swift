import NIOCore
import SIPCore
import SIPDialog
import SIPTransport

/// `--options-ping S`: an OPTIONS to the proxy, the registrar or the peer every S seconds.
/// A ping not answered before the next one is due (or that times out, or cannot be sent) makes
/// the target unreachable — reported once, with how long it has been silent — and any answer
/// at all (even 404 or 405: something answered) makes it reachable again. So a target that
/// stops answering right after a ping is reported within two intervals.
///
/// Confined to the endpoint's event loop (virtual time in tests).
final class OptionsPinger: @unchecked Sendable {
    private let agent: SIPUserAgent
    private let target: SIPURI
    private let from: NameAddress
    private let destination: SIPDestination
    private let interval: Int64
    private let report: @Sendable (CallerEvent) -> Void
    private let callID: String
    private var sequence: UInt32 = 0
    /// The ping waiting for an answer, if any.
    private var outstanding: UInt32?
    private var lastAnswer: NIODeadline
    private var reachable = true
    private var timer: Scheduled<Void>?
    private var stopped = false

    init(agent: SIPUserAgent, target: SIPURI, from: NameAddress, destination: SIPDestination, interval: Double,
         report: @escaping @Sendable (CallerEvent) -> Void) {
        self.agent = agent
        self.target = target
        self.from = from
        self.destination = destination
        self.interval = Int64(interval * 1e9)
        self.report = report
        callID = SIPIdentifiers.callID(host: agent.stack.advertised.host)
        lastAnswer = agent.stack.eventLoop.now
    }

    /// Sends the first ping now.
    func start() { tick() }

    func stop() {
        stopped = true
        timer?.cancel()
    }

    private func tick() {
        guard !stopped else { return }
        if outstanding != nil { unanswered() }
        sequence += 1
        let number = sequence
        outstanding = number
        var request = agent.makeRequest(.options, target: target, from: from, to: NameAddress(uri: target), callID: callID,
                                        sequence: number, fromTag: SIPIdentifiers.tag())
        // Straight to the target, even when it is the outbound proxy itself.
        request.headers.remove(.route)
        request.requestURI = target
        request.headers.add(.accept, "application/sdp")
        let loop = agent.stack.eventLoop
        agent.stack.send(request, to: destination) { [self] event in
            loop.execute { [self] in answered(number, event) }
        }
        timer = loop.scheduleTask(in: .nanoseconds(interval)) { [self] in tick() }
    }

    private func answered(_ number: UInt32, _ event: SIPStack.ClientEvent) {
        guard !stopped, outstanding == number else { return }
        switch event {
        case .response(let response):
            outstanding = nil
            lastAnswer = agent.stack.eventLoop.now
            if !reachable {
                reachable = true
                report(.peerReachable(target: target.description, status: response.status ?? 0))
            }
        case .timedOut, .transportFailed:
            unanswered()
            outstanding = nil
        }
    }

    private func unanswered() {
        guard reachable else { return }
        reachable = false
        let silent = Double((agent.stack.eventLoop.now - lastAnswer).nanoseconds) / 1e9
        report(.peerUnreachable(target: target.description, seconds: silent))
    }
}
