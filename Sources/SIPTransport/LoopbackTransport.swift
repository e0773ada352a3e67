public import SIPCore
import Dispatch
import Synchronization

/// An in-process network of ``LoopbackTransport``s: messages go from one endpoint to another
/// through memory, serialized and parsed as on a wire, on a serial queue — no sockets, no
/// ports, nothing lost. For tests of the layers above the transport.
public final class LoopbackNetwork: Sendable {
    private let endpoints = Mutex<[String: LoopbackTransport]>([:])
    private let nextPort = Mutex(40_000)
    private let inFlight = Atomic<Int>(0)
    let queue = DispatchQueue(label: "callwire.sip.loopback")

    /// Creates an empty network.
    public init() {}

    /// A new endpoint on `host`, listening on every transport kind at a fresh port.
    public func endpoint(host: String = "127.0.0.1") -> LoopbackTransport {
        let port = nextPort.withLock { port in
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
        queue.async { [self] in
            defer { inFlight.subtract(1, ordering: .relaxed) }
            guard let message = destination.kind.isReliable
                ? { var parser = SIPStreamParser(); parser.append(bytes); return try? parser.next() }()
                : try? SIPMessage(datagram: bytes) else { return }
            target.receive(message, from: source)
        }
        return true
    }

    /// Messages sent and not yet delivered.
    public var messagesInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// Stops delivering: messages sent from now on wait until ``resumeDelivery()``, so messages
    /// sent from both sides "at once" really cross (glare tests). Calls must be balanced.
    public func suspendDelivery() { queue.suspend() }

    /// Delivers what waited since ``suspendDelivery()``, in the order it was sent, and goes on.
    public func resumeDelivery() { queue.resume() }

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
