import NIOCore
import SIPTransport

/// RFC 5626 §4.4.1 keep-alives on the TCP or TLS flow a registration uses: a CRLFCRLF ping at
/// a random 80–100 % of the interval, answered by a CRLF pong within 10 s — else the flow has
/// failed and the registration is sent again (on a new flow).
///
/// Confined to the endpoint's event loop (virtual time in tests).
final class FlowKeepAlive: @unchecked Sendable {
    /// The flow: the registrar's address on a stream transport.
    let flow: SIPDestination
    private let interval: Int
    private let transport: any SIPTransport
    private let eventLoop: any EventLoop
    private let failed: @Sendable (String) -> Void
    private var next: Scheduled<Void>?
    private var deadline: Scheduled<Void>?
    private var stopped = false
    /// Pings sent and pongs received.
    private(set) var pings = 0, pongs = 0

    /// Keep-alives every `interval` seconds on `flow`; `failed` gets the reason once it fails.
    init(flow: SIPDestination, interval: Int, transport: any SIPTransport, eventLoop: any EventLoop,
         failed: @escaping @Sendable (String) -> Void) {
        self.flow = flow
        self.interval = interval
        self.transport = transport
        self.eventLoop = eventLoop
        self.failed = failed
    }

    /// Schedules the first ping.
    func start() { scheduleNext() }

    /// Stops pinging (the registration ended or the endpoint closes).
    func stop() {
        stopped = true
        next?.cancel()
        deadline?.cancel()
    }

    /// A pong came on some flow: ours is alive if it is this one.
    func pong(from source: SIPDestination) {
        guard source.host == flow.host, source.port == flow.port, deadline != nil else { return }
        pongs += 1
        deadline?.cancel()
        deadline = nil
    }

    private func scheduleNext() {
        guard !stopped else { return }
        // §4.4.1: a random time between 80 % and 100 % of the interval.
        let milliseconds = Int64(Double(interval) * 1_000 * Double.random(in: 0.8...1.0))
        next = eventLoop.scheduleTask(in: .milliseconds(milliseconds)) { [self] in ping() }
    }

    private func ping() {
        guard !stopped else { return }
        pings += 1
        let loop = eventLoop
        transport.sendKeepAlive(to: flow) { [self] error in
            guard let error else { return }
            loop.execute { [self] in fail("cannot send a keep-alive: \(error)") }
        }
        deadline = eventLoop.scheduleTask(in: .seconds(10)) { [self] in fail("no pong within 10 s") }
        scheduleNext()
    }

    private func fail(_ reason: String) {
        guard !stopped else { return }
        stop()
        failed(reason)
    }
}
