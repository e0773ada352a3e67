public import SIPCore
import Dispatch
import Synchronization

/// An in-process network of ``LoopbackTransport``s: messages go from one endpoint to another
/// through memory, serialized and parsed as on a wire — no sockets, no ports, nothing lost. For
/// tests of the layers above the transport.
///
/// Messages are delivered on a serial queue, or — when the network is made with an executor —
/// through it: a test whose endpoints all run on one `NIOAsyncTestingEventLoop` passes that
/// loop's `execute`, and every message is then delivered in order on virtual time.
///
/// Stream transports carry RFC 5626 keep-alives (a CRLFCRLF ping is answered with a CRLF pong).
/// An endpoint can be put behind a NAT (``placeBehindNAT(_:idleTimeout:)``): nobody may open a
/// stream flow to it, and a flow it opened is forgotten after an idle time — what keep-alives
/// are for. An endpoint can also fall silent (``setSilent(_:_:)``): what is sent to it is lost.
public final class LoopbackNetwork: Sendable {
    private let endpoints = Mutex<[String: LoopbackTransport]>([:])
    /// Stream flows by their two ends, with when they last carried anything.
    private let flows = Mutex<[String: UInt64]>([:])
    /// Endpoints behind a NAT, with its idle timeout in nanoseconds.
    private let natted = Mutex<[String: UInt64]>([:])
    private let silent = Mutex<Set<String>>([])
    private let clock: (@Sendable () -> UInt64)?
    private let nextPort = Mutex(40_000)
    private let inFlight = Atomic<Int>(0)
    let queue = DispatchQueue(label: "callwire.sip.loopback")
    private let executor: (@Sendable (@escaping @Sendable () -> Void) -> Void)?
    /// Deliveries held while suspended (executor mode).
    private let held = Mutex<[@Sendable () -> Void]?>(nil)
    /// INVITEs sent since ``suspendDelivery()``, and whether delivery is suspended. Atomics, not
    /// a lock: two endpoints' loops send at once in a glare test, and ThreadSanitizer cannot see
    /// a contended `Mutex` handed over by the kernel on Linux (it reports a race that is not).
    private let invitesSinceSuspend = Atomic<Int>(0)
    private let suspended = Atomic<Bool>(false)

    /// Creates an empty network that delivers on its own serial queue.
    public init() {
        executor = nil
        clock = nil
    }

    /// Creates an empty network that delivers through `execute` (an event loop's), whose clock
    /// (`now`, nanoseconds) times NAT flows.
    public init(execute: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void, now: (@Sendable () -> UInt64)? = nil) {
        executor = execute
        clock = now
    }

    /// Puts the endpoint at `host:port` behind a NAT: stream flows to it exist only when it
    /// opened them, and one that carried nothing for `idleTimeout` is gone (RFC 5626 §3.5's
    /// reason for keep-alives). Needs a network made with a clock.
    public func placeBehindNAT(host: String, port: Int, idleTimeout: Duration) {
        let nanoseconds = UInt64(idleTimeout.components.seconds) * 1_000_000_000 + UInt64(idleTimeout.components.attoseconds / 1_000_000_000)
        natted.withLock { $0["\(host):\(port)"] = nanoseconds }
    }

    /// Makes the endpoint at `host:port` lose (or again receive) everything sent to it, as a
    /// host that died.
    public func setSilent(host: String, port: Int, _ isSilent: Bool) {
        silent.withLock { if isSilent { $0.insert("\(host):\(port)") } else { $0.remove("\(host):\(port)") } }
    }

    /// Whether `host:port`'s endpoint answers keep-alive pings (see ``LoopbackTransport/answersKeepAlives``).
    public func setAnswersKeepAlives(host: String, port: Int, _ answers: Bool) {
        endpoints.withLock { $0["\(host):\(port)"] }?.answersKeepAlives = answers
    }

    /// Whether a stream message may pass from `source` to `destination`, keeping the flow's time.
    private func flowAllows(from source: String, to destination: String, kind: SIPTransportKind) -> Bool {
        guard kind.isReliable, let clock else { return true }
        let key = source < destination ? "\(source)|\(destination)" : "\(destination)|\(source)"
        let now = clock()
        let timeouts = natted.withLock { ($0[source], $0[destination]) }
        return flows.withLock { flows in
            if let last = flows[key], let limit = timeouts.0 ?? timeouts.1, now &- last > limit { flows[key] = nil }
            // Nobody opens a flow to an endpoint behind a NAT.
            if flows[key] == nil, timeouts.1 != nil { return false }
            flows[key] = now
            return true
        }
    }

    /// Delivers keep-alive bytes on the stream flow from `source` to `destination`.
    func deliverKeepAlive(_ bytes: [UInt8], to destination: SIPDestination, from source: SIPDestination) -> Bool {
        let from = "\(source.host):\(source.port)", to = "\(destination.host):\(destination.port)"
        guard destination.kind.isReliable, let target = endpoints.withLock({ $0[to] }),
              flowAllows(from: from, to: to, kind: destination.kind) else { return false }
        if silent.withLock({ $0.contains(to) }) { return true }
        let delivery: @Sendable () -> Void = { target.receiveKeepAlive(bytes, from: source) }
        if let executor { executor(delivery) } else { queue.async(execute: delivery) }
        return true
    }

    /// A new endpoint on `host`, listening on every transport kind at `port` (nil: a fresh one).
    public func endpoint(host: String = "127.0.0.1", port: Int? = nil) -> LoopbackTransport {
        let port = port ?? nextPort.withLock { port in
            defer { port += 1 }
            return port
        }
        let transport = LoopbackTransport(network: self, host: host, port: port)
        endpoints.withLock { $0["\(host):\(port)"] = transport }
        return transport
    }

    func deliver(_ bytes: [UInt8], to destination: SIPDestination, from source: SIPDestination) -> Bool {
        let to = "\(destination.host):\(destination.port)"
        guard let target = endpoints.withLock({ $0[to] }),
              flowAllows(from: "\(source.host):\(source.port)", to: to, kind: destination.kind) else { return false }
        if silent.withLock({ $0.contains(to) }) { return true }
        inFlight.add(1, ordering: .relaxed)
        if suspended.load(ordering: .acquiring), bytes.starts(with: Self.invite) { invitesSinceSuspend.add(1, ordering: .relaxed) }
        let delivery: @Sendable () -> Void = { [self] in
            defer { inFlight.subtract(1, ordering: .relaxed) }
            guard let message = destination.kind.isReliable
                ? { var parser = SIPStreamParser(); parser.append(bytes); return try? parser.next() }()
                : try? SIPMessage(datagram: bytes) else { return }
            target.receive(message, from: source)
        }
        if let executor {
            let waiting = held.withLock { list -> Bool in
                guard list != nil else { return false }
                list?.append(delivery)
                return true
            }
            if !waiting { executor(delivery) }
        } else {
            queue.async(execute: delivery)
        }
        return true
    }

    /// Messages sent and not yet delivered.
    public var messagesInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// How many INVITEs were sent since ``suspendDelivery()`` and wait for ``resumeDelivery()``
    /// — what a glare test waits for before it lets them cross. (Counting everything in flight
    /// would also count a message sent before the suspension.)
    public var invitesHeld: Int { suspended.load(ordering: .acquiring) ? invitesSinceSuspend.load(ordering: .relaxed) : 0 }

    private static let invite = Array("INVITE ".utf8)

    /// Stops delivering: messages sent from now on wait until ``resumeDelivery()``, so messages
    /// sent from both sides "at once" really cross (glare tests). Calls must be balanced.
    public func suspendDelivery() {
        invitesSinceSuspend.store(0, ordering: .relaxed)
        suspended.store(true, ordering: .releasing)
        if executor == nil { queue.suspend() } else { held.withLock { $0 = $0 ?? [] } }
    }

    /// Delivers what waited since ``suspendDelivery()``, in the order it was sent, and goes on.
    public func resumeDelivery() {
        suspended.store(false, ordering: .releasing)
        guard let executor else {
            queue.resume()
            return
        }
        for delivery in held.withLock({ list -> [@Sendable () -> Void] in
            defer { list = nil }
            return list ?? []
        }) {
            executor(delivery)
        }
    }

    func remove(_ transport: LoopbackTransport) {
        endpoints.withLock { $0["\(transport.host):\(transport.port)"] = nil }
    }
}

/// One endpoint of a ``LoopbackNetwork``.
public final class LoopbackTransport: SIPTransport, Sendable {
    let network: LoopbackNetwork
    let host: String
    let port: Int
    private let receiver = Mutex<InboundHandler?>(nil)
    private let keepAliveReceiver = Mutex<KeepAliveHandler?>(nil)
    private let answering = Atomic<Bool>(true)

    init(network: LoopbackNetwork, host: String, port: Int) {
        self.network = network
        self.host = host
        self.port = port
    }

    public var listening: [SIPDestination] {
        SIPTransportKind.allCases.map { SIPDestination(kind: $0, host: host, port: port) }
    }

    public func send(_ message: SIPMessage, to destination: SIPDestination, completion: @escaping @Sendable ((any Error)?) -> Void) {
        let source = SIPDestination(kind: destination.kind, host: host, port: port)
        if network.deliver(message.serialized(), to: destination, from: source) {
            completion(nil)
        } else {
            completion(TransportError("nothing listens at \(destination) on the loopback network"))
        }
    }

    /// Whether this endpoint answers keep-alive pings with pongs (as every SIP stack on a stream
    /// should, RFC 5626 §3.5.1); off, it plays a server that never answers them.
    public var answersKeepAlives: Bool {
        get { answering.load(ordering: .relaxed) }
        set { answering.store(newValue, ordering: .relaxed) }
    }

    public func sendKeepAlive(to destination: SIPDestination, completion: @escaping @Sendable ((any Error)?) -> Void) {
        let source = SIPDestination(kind: destination.kind, host: host, port: port)
        if network.deliverKeepAlive(KeepAlive.ping, to: destination, from: source) {
            completion(nil)
        } else {
            completion(TransportError("no \(destination.kind.rawValue) flow to \(destination.hostPort) on the loopback network"))
        }
    }

    public func setKeepAliveReceiver(_ receiver: @escaping @Sendable (SIPDestination) -> Void) {
        let handler = KeepAliveHandler(receiver)
        keepAliveReceiver.withLock { $0 = handler }
    }

    func receiveKeepAlive(_ bytes: [UInt8], from source: SIPDestination) {
        if bytes == KeepAlive.ping {
            guard answersKeepAlives else { return }
            _ = network.deliverKeepAlive(KeepAlive.pong, to: source, from: SIPDestination(kind: source.kind, host: host, port: port))
        } else {
            keepAliveReceiver.withLock { $0 }?.call(source)
        }
    }

    public func setReceiver(_ receiver: @escaping @Sendable (SIPInbound) -> Void) {
        let handler = InboundHandler(receiver)
        self.receiver.withLock { $0 = handler }
    }

    func receive(_ message: SIPMessage, from source: SIPDestination) {
        var message = message
        if message.isRequest { SIPNetworkTransport.Shared.stampVia(&message, host: source.host, port: source.port) }
        receiver.withLock { $0 }?.call(SIPInbound(message: message, source: source))
    }

    public func close() async { network.remove(self) }
}
