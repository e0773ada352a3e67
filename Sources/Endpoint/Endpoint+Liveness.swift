import NIOCore
import SIPCore
import SIPDialog
import SIPTransport

/// Keeping flows and peers known alive: RFC 5626 CRLF keep-alives on the registration's TCP or
/// TLS flow (`--keepalive`), and OPTIONS pings (`--options-ping`); and the session-timer hooks
/// of the user agent (RFC 4028 refreshes by re-INVITE carry our unchanged description).
extension Endpoint {
    // MARK: CRLF keep-alives

    /// A REGISTER succeeded on `flow`: keep a stream flow alive (a datagram flow needs STUN,
    /// which this endpoint does not send).
    func registered(on flow: SIPDestination) {
        eventLoop.execute { [self] in
            guard !closing, options.keepAlive > 0, flow.kind.isReliable else { return }
            if let current = flowKeepAlive, current.flow == flow { return }
            flowKeepAlive?.stop()
            let keepAlive = FlowKeepAlive(flow: flow, interval: options.keepAlive, transport: runtime.transport,
                                          eventLoop: eventLoop) { [weak self] reason in self?.flowFailed(flow, reason: reason) }
            flowKeepAlive = keepAlive
            keepAlive.start()
        }
    }

    /// A pong (from the transport's threads).
    func pongReceived(from source: SIPDestination) {
        eventLoop.execute { [self] in flowKeepAlive?.pong(from: source) }
    }

    /// On the loop: the flow failed — register again, on a new flow (RFC 5626 §4.4.1).
    private func flowFailed(_ flow: SIPDestination, reason: String) {
        flowKeepAlive = nil
        report(.log(level: .warning, text: "the \(flow.kind.rawValue) flow to \(flow.hostPort) failed (\(reason)); registering again"))
        registration?.registerAgain()
    }

    /// Keep-alive pings sent and pongs received on the registration's flow so far.
    public var keepAliveCounts: (pings: Int, pongs: Int) {
        get async {
            (try? await eventLoop.submit { [self] in (flowKeepAlive?.pings ?? 0, flowKeepAlive?.pongs ?? 0) }.get()) ?? (0, 0)
        }
    }

    // MARK: OPTIONS pings

    /// Starts `--options-ping`: to the outbound proxy, else the registrar when registering,
    /// else the peer of `--to`. Nothing when the interval is 0 or there is no one to ping.
    public func startOptionsPing() async {
        guard options.optionsPing > 0 else { return }
        var target: SIPURI
        if !options.proxy.isEmpty, let proxy = try? SIPURI.parse("sip:" + options.proxy) {
            target = proxy
        } else if options.register {
            target = options.addressOfRecord
            target.user = nil
        } else if let peer = options.uri ?? options.to?.uri {
            target = peer
        } else {
            report(.log(level: .warning, text: "--options-ping: no proxy, registrar or --to peer to ping"))
            return
        }
        guard let destination = try? await destinations(for: target).first else {
            report(.log(level: .warning, text: "--options-ping: cannot resolve \(target)"))
            return
        }
        let pinger = OptionsPinger(agent: agent, target: target, from: localAddress, destination: destination,
                                   interval: options.optionsPing, report: { [weak self] in self?.report($0) })
        eventLoop.execute { [self] in
            guard !closing else { return }
            self.pinger?.stop()
            self.pinger = pinger
            pinger.start()
        }
    }

    // MARK: Session timer hooks (on the loop)

    /// Our current description, unchanged, for a re-INVITE that only refreshes the session.
    func refreshOffer(_ sip: SIPUserAgent.Call) -> [UInt8]? {
        calls[sip.callID].map { $0.media.offer(lineEnding: lineEnding) }
    }

    /// The answer to that re-INVITE.
    func refreshAnswer(_ sip: SIPUserAgent.Call, body: [UInt8]) { calls[sip.callID]?.ackAnswer(body) }
}
