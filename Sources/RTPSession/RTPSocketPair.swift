public import NIOCore
public import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The two sockets of an RTP session — RTP on an even port, RTCP on the next (RFC 3550 §11) —
/// and the event loop that times its RTCP and reads its clock.
///
/// ``UDPSocketPair`` is the network; ``LoopbackRTPNetwork`` carries packets between sessions in
/// memory, on an event loop whose time a test controls.
public protocol RTPSocketPair: AnyObject, Sendable {
    /// The local RTP port (even); RTCP is on the next one.
    var rtpPort: Int { get }
    /// The loop that runs RTCP timers; its `now` is the session's clock for arrival times.
    var eventLoop: any EventLoop { get }
    /// Starts delivering datagrams: RTP and RTCP, each with the address it came from.
    func start(rtp: @escaping @Sendable ([UInt8], SocketAddress) -> Void,
               rtcp: @escaping @Sendable ([UInt8], SocketAddress) -> Void)
    /// Sends one RTP packet.
    func sendRTP(_ packet: UnsafeRawBufferPointer, to address: SocketAddress)
    /// Sends one compound RTCP packet.
    func sendRTCP(_ packet: [UInt8], to address: SocketAddress)
    /// Closes both sockets (at once for memory; sockets finish closing on their loop).
    func close()
}

/// An RTP port pair on UDP sockets (SwiftNIO). The ports are bound at once, with plain system
/// calls, so a call never waits for its sockets; SwiftNIO takes them over for receiving a moment
/// later (what arrives meanwhile waits in the kernel's buffer).
///
/// Sending does not go through SwiftNIO: each packet is one `sendto(2)` on a duplicate of the
/// bound descriptor, made by the media thread that built it. A channel write would hop to the
/// event loop, allocate a buffer and a task, and wake the loop — per packet, for every call —
/// which cost more CPU than encoding the media (perf, 500 calls). The duplicate is ours: it is
/// closed by ``close()`` and cannot be reused under a late send. A call's first packets go out
/// at once, before SwiftNIO has the socket (what the peer latches on).
public final class UDPSocketPair: RTPSocketPair {
    public let rtpPort: Int
    public let eventLoop: any EventLoop
    private let receivers: DatagramReceivers
    private let channels = ChannelSlots()

    /// The two channels once SwiftNIO has them (a class, so the completions can hold it).
    private final class ChannelSlots: Sendable {
        struct Slots {
            var rtp: (any Channel)?
            var rtcp: (any Channel)?
            /// The bound descriptors until SwiftNIO owns them (nil from then on).
            var rtpDescriptor: CInt?
            var rtcpDescriptor: CInt?
            /// Our duplicates of the two, for sending (-1 once closed).
            var rtpSend: CInt = -1
            var rtcpSend: CInt = -1
            var closed = false
        }
        let state = Mutex(Slots())
        func withLock<T: Sendable>(_ body: (inout sending Slots) -> sending T) -> sending T { state.withLock(body) }
    }

    /// Binds an even port from `ports` on `host` for RTP and the next one for RTCP, trying up to
    /// 64 random pairs.
    /// - Throws: ``RTPSessionError`` naming the address when no pair could be bound.
    public init(host: String, ports: ClosedRange<Int> = 16_384...32_766,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        let evenPorts = stride(from: ports.lowerBound + ports.lowerBound % 2, through: ports.upperBound - 1, by: 2)
        var bound: (rtp: CInt, rtcp: CInt, port: Int)?
        var lastError = "no even port in \(ports)"
        for port in evenPorts.shuffled().prefix(64) {
            do {
                let rtp = try Self.bindSocket(host: host, port: port)
                do {
                    bound = (rtp, try Self.bindSocket(host: host, port: port + 1), port)
                    break
                } catch {
                    Glibc.close(rtp)
                    lastError = "\(error)"
                }
            } catch {
                lastError = "\(error)"
            }
        }
        guard let bound else { throw RTPSessionError("cannot bind an RTP port pair on \(host): \(lastError)") }
        rtpPort = bound.port
        // Close-on-exec, as SwiftNIO's own descriptors are: a child process must not inherit them.
        let sending = (rtp: fcntl(bound.rtp, F_DUPFD_CLOEXEC, 0), rtcp: fcntl(bound.rtcp, F_DUPFD_CLOEXEC, 0))
        guard sending.rtp >= 0, sending.rtcp >= 0 else {
            let reason = String(cString: strerror(errno))
            for descriptor in [bound.rtp, bound.rtcp, sending.rtp, sending.rtcp] where descriptor >= 0 { Glibc.close(descriptor) }
            throw RTPSessionError("cannot duplicate the RTP sockets: \(reason)")
        }
        channels.withLock {
            $0.rtpDescriptor = bound.rtp
            $0.rtcpDescriptor = bound.rtcp
            $0.rtpSend = sending.rtp
            $0.rtcpSend = sending.rtcp
        }
        let loop = group.next()
        eventLoop = loop
        let receivers = DatagramReceivers()
        self.receivers = receivers
        for (descriptor, isRTP) in [(bound.rtp, true), (bound.rtcp, false)] {
            DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramHandler { bytes, from in
                            if isRTP { receivers.rtp(bytes, from) } else { receivers.rtcp(bytes, from) }
                        })
                    }
                }
                .withBoundSocket(descriptor)
                .whenComplete { [channels] result in
                    guard case .success(let channel) = result else {
                        channels.withLock { c in
                            if isRTP { c.rtpDescriptor = nil } else { c.rtcpDescriptor = nil }
                        }
                        Glibc.close(descriptor)
                        return
                    }
                    let closeNow = channels.withLock { c -> Bool in
                        if isRTP {
                            c.rtp = channel
                            c.rtpDescriptor = nil
                        } else {
                            c.rtcp = channel
                            c.rtcpDescriptor = nil
                        }
                        return c.closed
                    }
                    if closeNow { channel.close(promise: nil) }
                }
        }
    }

    /// A bound, non-blocking UDP socket on `host:port`.
    private static func bindSocket(host: String, port: Int) throws -> CInt {
        let address = try SocketAddress(ipAddress: host, port: port)
        let family: CInt = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw RTPSessionError("socket() failed: \(String(cString: strerror(errno)))") }
        let result = address.withSockAddr { pointer, length in Glibc.bind(descriptor, pointer, socklen_t(length)) }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw RTPSessionError("\(host):\(port): \(reason)")
        }
        return descriptor
    }

    /// Binds a pair (see ``init(host:ports:group:)``); kept for callers that await.
    public static func bind(host: String, ports: ClosedRange<Int> = 16_384...32_766,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> UDPSocketPair {
        try UDPSocketPair(host: host, ports: ports, group: group)
    }

    public func start(rtp: @escaping @Sendable ([UInt8], SocketAddress) -> Void,
                      rtcp: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
        receivers.set(rtp: rtp, rtcp: rtcp)
    }

    public func sendRTP(_ packet: UnsafeRawBufferPointer, to address: SocketAddress) {
        send(packet, to: address, rtp: true)
    }

    public func sendRTCP(_ packet: [UInt8], to address: SocketAddress) {
        packet.withUnsafeBytes { send($0, to: address, rtp: false) }
    }

    /// One `sendto(2)` on our duplicate descriptor, under the lock so ``close()`` cannot close
    /// it meanwhile. A full socket buffer (EAGAIN) drops the packet, as the network would.
    private func send(_ packet: UnsafeRawBufferPointer, to address: SocketAddress, rtp isRTP: Bool) {
        channels.withLock { c in
            let descriptor = isRTP ? c.rtpSend : c.rtcpSend
            guard !c.closed, descriptor >= 0 else { return }
            _ = address.withSockAddr { pointer, length in
                Glibc.sendto(descriptor, packet.baseAddress, packet.count, 0, pointer, socklen_t(length))
            }
        }
    }

    deinit {
        // A pair dropped without close(): our sending duplicates are still ours to close.
        channels.withLock { c in
            for descriptor in [c.rtpSend, c.rtcpSend] where descriptor >= 0 { Glibc.close(descriptor) }
            c.rtpSend = -1
            c.rtcpSend = -1
        }
    }

    public func close() {
        let open = channels.withLock { c -> [any Channel] in
            c.closed = true
            for descriptor in [c.rtpSend, c.rtcpSend] where descriptor >= 0 { Glibc.close(descriptor) }
            c.rtpSend = -1
            c.rtcpSend = -1
            return [c.rtp, c.rtcp].compactMap { $0 }
        }
        for channel in open { channel.close(promise: nil) }
    }
}

/// Where a socket pair hands what arrives: set once the session exists (the sockets are bound
/// first); datagrams before that are dropped.
final class DatagramReceivers: Sendable {
    private final class Handlers: Sendable {
        let rtp: @Sendable ([UInt8], SocketAddress) -> Void
        let rtcp: @Sendable ([UInt8], SocketAddress) -> Void
        init(rtp: @escaping @Sendable ([UInt8], SocketAddress) -> Void, rtcp: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
            self.rtp = rtp
            self.rtcp = rtcp
        }
    }

    // A class reference in the lock: a closure kept directly in a Mutex is re-abstracted on every read.
    private let handlers = Mutex<Handlers?>(nil)

    func set(rtp: @escaping @Sendable ([UInt8], SocketAddress) -> Void, rtcp: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
        let box = Handlers(rtp: rtp, rtcp: rtcp)
        handlers.withLock { $0 = box }
    }

    func rtp(_ bytes: [UInt8], _ from: SocketAddress) { handlers.withLock { $0 }?.rtp(bytes, from) }
    func rtcp(_ bytes: [UInt8], _ from: SocketAddress) { handlers.withLock { $0 }?.rtcp(bytes, from) }
}

/// Hands each datagram to a closure.
private final class DatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let handler: @Sendable ([UInt8], SocketAddress) -> Void
    init(_ handler: @escaping @Sendable ([UInt8], SocketAddress) -> Void) { self.handler = handler }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        handler(Array(envelope.data.readableBytesView), envelope.remoteAddress)
    }
}
