#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import SIPCore

/// One worker's UDP socket on a listening address.
///
/// The socket is bound here, with `SO_REUSEPORT` so that every worker binds the same address,
/// and handed to SwiftNIO for reading. Sending does not go through the channel: each message is
/// one `sendto(2)` on a duplicate of the descriptor, from the worker's own loop. A channel write
/// wraps the bytes in a buffer and an envelope, queues them, flushes, and walks the pipeline —
/// about a sixth of the server's processor time per proxied call (perf, 200 calls/s). When the
/// socket cannot take a datagram now (`EAGAIN`, `ENOBUFS`, `EINTR`), it goes to the channel, which
/// queues it until the socket drains, and so do the ones after it until the queue is empty, so
/// that datagrams leave in the order they were sent.
///
/// Everything here runs on the worker's loop, so a send can never meet a closed (or reused)
/// descriptor; the duplicate is closed with the channel, which takes the socket out of the
/// `SO_REUSEPORT` group.
final class WorkerDatagramSocket: @unchecked Sendable {
    /// The descriptor for sending; -1 once closed.
    private var descriptor: CInt
    /// The family of the bound address (a message goes out of a socket of its own family).
    let family: NIOBSDSocket.ProtocolFamily
    /// The channel reading the socket, once adopted.
    private var channel: (any Channel)?
    /// Datagrams queued on the channel and not yet written.
    private var queued = 0

    /// Binds a non-blocking, close-on-exec UDP socket with `SO_REUSEADDR` and `SO_REUSEPORT`.
    /// - Returns: the bound descriptor (for SwiftNIO) and this socket, holding its duplicate.
    /// - Throws: ``ServerError`` naming the address when it cannot be bound.
    static func bind(host: String, port: Int) throws(ServerError) -> (bound: CInt, socket: WorkerDatagramSocket) {
        let name = "\(host.bracketedHost):\(port)"
        let address: SocketAddress
        do {
            // An address, or a name such as `localhost` (resolved as SwiftNIO's bind did).
            address = try (try? SocketAddress(ipAddress: host, port: port)) ?? SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw ServerError("\(name): \(error)")
        }
        let family: CInt = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let bound = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard bound >= 0 else { throw ServerError("\(name): socket(): \(Self.lastError)") }
        var on: CInt = 1
        for (option, optionName) in [(SO_REUSEADDR, "SO_REUSEADDR"), (SO_REUSEPORT, "SO_REUSEPORT")]
        where setsockopt(bound, SOL_SOCKET, option, &on, socklen_t(MemoryLayout<CInt>.size)) != 0 {
            let reason = Self.lastError
            Glibc.close(bound)
            throw ServerError("\(name): \(optionName): \(reason)")
        }
        let result = address.withSockAddr { pointer, length in Glibc.bind(bound, pointer, socklen_t(length)) }
        let sending = result == 0 ? fcntl(bound, F_DUPFD_CLOEXEC, 0) : -1
        guard sending >= 0 else {
            let reason = Self.lastError
            Glibc.close(bound)
            throw ServerError("\(name): \(reason)")
        }
        return (bound, WorkerDatagramSocket(descriptor: sending, family: address.protocol))
    }

    private init(descriptor: CInt, family: NIOBSDSocket.ProtocolFamily) {
        self.descriptor = descriptor
        self.family = family
    }

    private static var lastError: String { String(cString: strerror(errno)) }

    /// Takes the channel SwiftNIO made of the bound descriptor (on the channel's loop): the
    /// fallback for datagrams the socket cannot take at once, and what closes the duplicate.
    func adopt(_ channel: any Channel) {
        self.channel = channel
        channel.closeFuture.whenComplete { _ in self.close() }
    }

    /// Sends `bytes` to `address` (on the worker's loop): at once when nothing is queued and the
    /// socket takes it, else queued on the channel. Other errors drop the datagram, as the
    /// network would; the transaction retransmits.
    func send(_ bytes: [UInt8], to address: SocketAddress) {
        if queued == 0, descriptor >= 0 {
            let sent = bytes.withUnsafeBytes { buffer in
                address.withSockAddr { pointer, length in
                    Glibc.sendto(descriptor, buffer.baseAddress, buffer.count, 0, pointer, socklen_t(length))
                }
            }
            if sent >= 0 { return }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR else { return }
        }
        guard let channel else { return }
        queued += 1
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { _ in self.queued -= 1 }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: written)
    }

    /// Closes the duplicate (on the worker's loop; the channel's close does it).
    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }
}
