import NIOCore
import NIOPosix
import SIPCore
import SIPDialog
import SIPTransaction
import SIPTransport
import Synchronization

/// A user agent on a transport, for tests.
struct TestAgent {
    let agent: SIPUserAgent
    let transport: any SIPTransport
    var address: SIPDestination { agent.stack.advertised }

    static func make(_ transport: any SIPTransport, kind: SIPTransportKind = .udp, user: String,
                     answering: SIPUserAgent.Answering = .accept(after: .zero)) -> TestAgent {
        let listening = transport.listening.first { $0.kind == kind } ?? transport.listening[0]
        let stack = SIPStack(transport: transport, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), advertised: listening)
        var options = SIPUserAgent.Options(user: user)
        options.answering = answering
        options.answer = { _, _ in Array("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n".utf8) }
        return TestAgent(agent: SIPUserAgent(stack: stack, options: options), transport: transport)
    }

    /// Starts calling `other`.
    func start(_ other: TestAgent) -> SIPUserAgent.Call {
        let target = other.address
        let uri = SIPURI(user: other.agent.options.user, host: target.host, port: target.port)
        return agent.startCall(uri, from: NameAddress(uri: SIPURI(user: agent.options.user, host: address.host)),
                               to: NameAddress(uri: uri), destination: target)
    }

    /// Calls `other` and returns the call and its outcome.
    func call(_ other: TestAgent, kind: SIPTransportKind = .udp) async -> (SIPUserAgent.Call, SIPUserAgent.CallOutcome) {
        let target = other.address
        let uri = SIPURI(user: other.agent.options.user, host: target.host, port: target.port)
        var destination = target
        destination.kind = kind
        if kind != .udp, let listener = other.transport.listening.first(where: { $0.kind == kind }) { destination = listener }
        return await agent.invite(uri, from: NameAddress(uri: SIPURI(user: agent.options.user, host: address.host)),
                                  to: NameAddress(uri: uri), destination: destination,
                                  body: Array("v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\n".utf8))
    }
}

/// Collects events.
final class EventLog: Sendable {
    private let items = Mutex<[SIPUserAgent.Event]>([])
    func append(_ event: SIPUserAgent.Event) { items.withLock { $0.append(event) } }
    var all: [SIPUserAgent.Event] { items.withLock { $0 } }
    var statuses: [Int] {
        all.compactMap { if case .response(let message, _) = $0 { return message.status } else { return nil } }
    }
}
