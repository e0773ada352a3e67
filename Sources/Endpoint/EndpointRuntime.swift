public import CallMedia
public import NIOCore
import NIOPosix
public import RTPSession
public import SIPTransport

/// What an ``Endpoint`` runs on, injected so the same endpoint runs on the network and real time
/// (``production(transport:)``), or in one process on virtual time (tests: a
/// `LoopbackTransport`, a ``LoopbackRTPNetwork`` and an `NIOAsyncTestingEventLoop`, see
/// `EndpointTesting`).
///
/// The event loop is the endpoint's executor: SIP, every call's state and every timer live on it.
public struct EndpointRuntime: Sendable {
    /// The SIP transport (listening already).
    public var transport: any SIPTransport
    /// The loop SIP, call state and timers run on.
    public var eventLoop: any EventLoop
    /// Where calls get their RTP port pairs.
    public var rtp: any RTPPortAllocator
    /// What runs the calls' graphs.
    public var media: any GraphScheduler

    /// A runtime from its parts.
    public init(transport: any SIPTransport, eventLoop: any EventLoop, rtp: any RTPPortAllocator, media: any GraphScheduler) {
        self.transport = transport
        self.eventLoop = eventLoop
        self.rtp = rtp
        self.media = media
    }

    /// SIP on `transport`, timers on a NIO loop, RTP on UDP sockets, graphs on a real-time pool
    /// of one thread per core (shared by every endpoint of the process).
    public static func production(transport: any SIPTransport) -> EndpointRuntime {
        EndpointRuntime(transport: transport, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), rtp: UDPPortAllocator(),
                        media: SharedMedia.pool)
    }
}

/// The process's real-time graph pool, started on first use.
enum SharedMedia {
    static let pool = RealtimeGraphPool()
}

/// Binds RTP port pairs for calls, at once (a call never waits for its sockets).
public protocol RTPPortAllocator: Sendable {
    /// Binds a pair on `host`.
    func bind(host: String) throws -> RTPSession
}

/// RTP on UDP sockets, in the RTP port range.
public struct UDPPortAllocator: RTPPortAllocator {
    /// The ports to bind from (RTP even, RTCP odd).
    public var ports: ClosedRange<Int>

    /// An allocator for `ports`.
    public init(ports: ClosedRange<Int> = 16_384...32_766) { self.ports = ports }

    /// A session whose sockets encrypt once its call's keys are settled (``SecureRTPSocketPair``).
    public func bind(host: String) throws -> RTPSession {
        RTPSession(sockets: SecureRTPSocketPair(try UDPSocketPair(host: host, ports: ports)), cname: "callwire@\(host)")
    }
}

/// RTP on an in-memory ``LoopbackRTPNetwork`` (tests on virtual time).
public struct LoopbackPortAllocator: RTPPortAllocator {
    /// The network.
    public let network: LoopbackRTPNetwork

    /// An allocator on `network`.
    public init(network: LoopbackRTPNetwork) { self.network = network }

    /// A session whose sockets encrypt once its call's keys are settled (``SecureRTPSocketPair``).
    public func bind(host: String) throws -> RTPSession {
        RTPSession(sockets: SecureRTPSocketPair(try network.bind(host: host == "0.0.0.0" ? "127.0.0.1" : host)))
    }
}
