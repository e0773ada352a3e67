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
public final class LoopbackNetwork: Sendable {
    private let endpoints = Mutex<[String: LoopbackTransport]>([:])
    private let nextPort = Mutex(40_000)
    private let inFlight = Atomic<Int>(0)
    let queue = DispatchQueue(label: "callwire.sip.loopback")
    private let executor: (@Sendable (@escaping @Sendable () -> Void) -> Void)?
    /// Deliveries held while suspended (executor mode).
    private let held = Mutex<[@Sendable () -> Void]?>(nil)

    /// Creates an empty network that delivers on its own serial queue.
    public init() { executor = nil }

    /// Creates an empty network that delivers through `execute` (an event loop's).
    public init(execute: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) { executor = execute }

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
        guard let target = endpoints.withLock({ $0["\(destination.host):\(destination.port)"] }) else { return false }
        inFlight.add(1, ordering: .relaxed)
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

    /// Stops delivering: messages sent from now on wait until ``resumeDelivery()``, so messages
    /// sent from both sides "at once" really cross (glare tests). Calls must be balanced.
    public func suspendDelivery() {
        if executor == nil { queue.suspend() } else { held.withLock { $0 = $0 ?? [] } }
    }

    /// Delivers what waited since ``suspendDelivery()``, in the order it was sent, and goes on.
    public func resumeDelivery() {
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
