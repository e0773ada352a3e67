public import NIOCore
public import NIOPosix
import Synchronization

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

/// An RTP port pair on UDP sockets (SwiftNIO).
public final class UDPSocketPair: RTPSocketPair {
    public let rtpPort: Int
    private let rtpChannel: any Channel, rtcpChannel: any Channel
    private let receivers: DatagramReceivers

    private init(rtp: any Channel, rtcp: any Channel, port: Int, receivers: DatagramReceivers) {
        rtpChannel = rtp
        rtcpChannel = rtcp
        rtpPort = port
        self.receivers = receivers
    }

    public var eventLoop: any EventLoop { rtcpChannel.eventLoop }

    /// Binds an even port from `ports` on `host` for RTP and the next one for RTCP, trying up to
    /// 64 random pairs.
    /// - Throws: the last bind error, or ``RTPSessionError`` when the range has no even port.
    public static func bind(host: String, ports: ClosedRange<Int> = 16_384...32_766,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> UDPSocketPair {
        let evenPorts = stride(from: ports.lowerBound + ports.lowerBound % 2, through: ports.upperBound - 1, by: 2)
        var lastError: (any Error)?
        let receivers = DatagramReceivers()
        for port in evenPorts.shuffled().prefix(64) {
            do {
                let rtp = try await datagram(group, host: host, port: port) { bytes, from in receivers.rtp(bytes, from) }
                do {
                    let rtcp = try await datagram(group, host: host, port: port + 1) { bytes, from in receivers.rtcp(bytes, from) }
                    return UDPSocketPair(rtp: rtp, rtcp: rtcp, port: port, receivers: receivers)
                } catch {
                    try? await rtp.close()
                    lastError = error
                }
            } catch {
                lastError = error
            }
        }
        throw lastError ?? RTPSessionError("no free even port pair in \(ports)")
    }

    public func start(rtp: @escaping @Sendable ([UInt8], SocketAddress) -> Void,
                      rtcp: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
        receivers.set(rtp: rtp, rtcp: rtcp)
    }

    public func sendRTP(_ packet: UnsafeRawBufferPointer, to address: SocketAddress) {
        var buffer = rtpChannel.allocator.buffer(capacity: packet.count)
        buffer.writeBytes(packet)
        rtpChannel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    public func sendRTCP(_ packet: [UInt8], to address: SocketAddress) {
        var buffer = rtcpChannel.allocator.buffer(capacity: packet.count)
        buffer.writeBytes(packet)
        rtcpChannel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    public func close() {
        rtpChannel.close(promise: nil)
        rtcpChannel.close(promise: nil)
    }

    private static func datagram(_ group: any EventLoopGroup, host: String, port: Int,
                                 _ handler: @escaping @Sendable ([UInt8], SocketAddress) -> Void) async throws -> any Channel {
        try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DatagramHandler(handler)) }
            }
            .bind(host: host, port: port).get()
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
