import EndpointTesting
import Foundation
import RTPSession
import SIPCore
import SIPDialog
import SIPTransport
import Synchronization

/// A bare SIP user agent on the virtual network that answers with hand-written SDP and sends
/// what a test scripts — re-offers that move the media or name no codec Callwire has, requests
/// Callwire does not take — with two RTP sessions to move media between.
final class ScriptedPeer: @unchecked Sendable {
    let agent: SIPUserAgent
    let host: String
    let sessions: [RTPSession]
    private let calls = Answered()

    init(net: VirtualNetwork, host: String) throws {
        self.host = host
        let transport = net.sip.endpoint(host: host, port: 5060)
        let stack = SIPStack(transport: transport, eventLoop: net.loop, advertised: transport.listening[0])
        let sessions = [RTPSession(sockets: try net.rtp.bind(host: host)), RTPSession(sockets: try net.rtp.bind(host: host))]
        self.sessions = sessions
        var options = SIPUserAgent.Options(user: "peer")
        options.answering = .accept(after: .zero)
        options.answer = { _, _ in Self.sdp(host: host, port: sessions[0].rtpPort, codecs: [(0, "PCMU/8000")]) }
        agent = SIPUserAgent(stack: stack, options: options)
        agent.onEvent { [calls] event in
            if case .established(let call) = event { calls.list.withLock { $0.append(call) } }
        }
    }

    /// `sip:peer@host:5060`.
    var uri: String { "sip:peer@\(host):5060" }

    /// The call Callwire placed to this peer, once answered.
    var call: SIPUserAgent.Call? { calls.list.withLock { $0.last } }

    /// SDP for one audio stream at `host:port` with these payload types and rtpmaps.
    static func sdp(host: String, port: Int, codecs: [(Int, String)], direction: String = "sendrecv", version: Int = 1) -> [UInt8] {
        var lines = ["v=0", "o=peer 7 \(version) IN IP4 \(host)", "s=-", "c=IN IP4 \(host)", "t=0 0",
                     "m=audio \(port) RTP/AVP " + codecs.map { String($0.0) }.joined(separator: " ")]
        lines += codecs.map { "a=rtpmap:\($0.0) \($0.1)" }
        lines.append("a=\(direction)")
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// Sends a re-INVITE with `body`; the final status and response.
    func reoffer(_ body: [UInt8]) async -> (Int, SIPMessage?) {
        guard let call else { return (0, nil) }
        return await withCheckedContinuation { continuation in
            agent.offer(call, body: body) { status, response in continuation.resume(returning: (status, response)) }
        }
    }

    /// Sends `method` inside the call; the final status and response.
    func request(_ method: SIPMethod) async -> (Int, SIPMessage?) {
        guard let call else { return (0, nil) }
        return await withCheckedContinuation { continuation in
            agent.request(in: call, method: method) { status, response in continuation.resume(returning: (status, response)) }
        }
    }

    /// Sends `method` outside any dialog to `target`; the final response.
    func requestOutside(_ method: SIPMethod, to target: String) async throws -> SIPMessage {
        let uri = try SIPURI.parse(target)
        var request = agent.makeRequest(method, target: uri, from: NameAddress(uri: try SIPURI.parse(self.uri)), to: NameAddress(uri: uri),
                                        callID: SIPIdentifiers.callID(host: host), sequence: 1, fromTag: SIPIdentifiers.tag())
        request.headers.add(.contact, "<\(self.uri)>")
        guard let destination = SIPUserAgent.numericDestination(uri, kind: .udp) else { throw SIPHeaderError("not numeric: \(target)") }
        return await agent.send(request, to: destination)
    }
}

/// The peer's answered calls, from the agent's loop.
private final class Answered: Sendable {
    let list = Mutex<[SIPUserAgent.Call]>([])
}
