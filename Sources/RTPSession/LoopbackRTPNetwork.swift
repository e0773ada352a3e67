public import NIOCore
import Synchronization

/// RTP port pairs that exchange packets in memory, for tests that run whole calls in one
/// process: a packet sent to a bound address is handed to that pair at once, on the sender's
/// thread, with the network's event loop as every session's clock (a test that drives an
/// `NIOAsyncTestingEventLoop` runs media on virtual time). Packets to an address nobody bound
/// are dropped, as on a network.
///
/// ```swift
/// let network = LoopbackRTPNetwork(eventLoop: loop)
/// let a = RTPSession(sockets: try network.bind(host: "127.0.0.1"))
/// ```
public final class LoopbackRTPNetwork: Sendable {
    /// The loop every pair times its RTCP on.
    public let eventLoop: any EventLoop
    private let pairs = Mutex<[String: LoopbackSocketPair]>([:])
    private let nextPort = Mutex(20_000)
    private let dropped = Atomic<Int>(0)

    /// Creates an empty network on `eventLoop`.
    public init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// A new pair on `host` (a numeric address) at the next free even port.
    /// - Throws: when `host` is not an IP address.
    public func bind(host: String) throws -> LoopbackSocketPair {
        let port = nextPort.withLock { port in
            defer { port += 2 }
            return port
        }
        let pair = try LoopbackSocketPair(network: self, host: host, port: port)
        pairs.withLock {
            $0[Self.key(host, port)] = pair
            $0[Self.key(host, port + 1)] = pair
        }
        return pair
    }

    /// How many pairs are bound (closed ones leave).
    public var boundPairs: Int { pairs.withLock { $0.count / 2 } }

    /// Packets sent to an address nobody had bound.
    public var droppedPackets: Int { dropped.load(ordering: .relaxed) }

    func deliver(_ bytes: [UInt8], to address: SocketAddress, from source: SocketAddress) {
        guard let host = address.ipAddress, let port = address.port,
              let target = pairs.withLock({ $0[Self.key(host, port)] }) else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        target.receive(bytes, rtcp: port == target.rtpPort + 1, from: source)
    }

    func remove(_ pair: LoopbackSocketPair) {
        pairs.withLock {
            $0[Self.key(pair.host, pair.rtpPort)] = nil
            $0[Self.key(pair.host, pair.rtpPort + 1)] = nil
        }
    }

    private static func key(_ host: String, _ port: Int) -> String { "\(host):\(port)" }
}

/// One port pair of a ``LoopbackRTPNetwork``.
public final class LoopbackSocketPair: RTPSocketPair {
    public let rtpPort: Int
    let host: String
    private let network: LoopbackRTPNetwork
    private let receivers = DatagramReceivers()
    private let rtpSource: SocketAddress, rtcpSource: SocketAddress

    init(network: LoopbackRTPNetwork, host: String, port: Int) throws {
        self.network = network
        self.host = host
        rtpPort = port
        rtpSource = try SocketAddress(ipAddress: host, port: port)
        rtcpSource = try SocketAddress(ipAddress: host, port: port + 1)
    }

    public var eventLoop: any EventLoop { network.eventLoop }

    public func start(rtp: @escaping @Sendable ([UInt8], SocketAddress) -> Void,
                      rtcp: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
        receivers.set(rtp: rtp, rtcp: rtcp)
    }

    public func sendRTP(_ packet: UnsafeRawBufferPointer, to address: SocketAddress) {
        network.deliver(Array(packet), to: address, from: rtpSource)
    }

    public func sendRTCP(_ packet: [UInt8], to address: SocketAddress) {
        network.deliver(packet, to: address, from: rtcpSource)
    }

    public func close() { network.remove(self) }

    func receive(_ bytes: [UInt8], rtcp: Bool, from source: SocketAddress) {
        if rtcp { receivers.rtcp(bytes, source) } else { receivers.rtp(bytes, source) }
    }
}
