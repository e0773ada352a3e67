#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// One worker's UDP socket on a listening address.
///
/// The socket is bound here, with `SO_REUSEPORT` so that every worker binds the same address,
/// and handed to SwiftNIO for reading. Sending does not go through the channel: each message is
/// one `sendto(2)` on a duplicate of the descriptor, from the worker's own loop. A channel write
/// wraps the bytes in a buffer and an envelope, queues them, flushes, and walks the pipeline —
/// about a sixth of the server's processor time per proxied call (perf, 200 calls/s). Only when
/// the socket buffer is full (`EAGAIN`) does a message take the channel, which queues it until
/// the socket drains.
///
/// The duplicate is used and closed on the worker's loop only, so a send can never meet a
/// closed (or reused) descriptor.
final class WorkerDatagramSocket: @unchecked Sendable {
    /// The descriptor for sending; -1 once closed.
    private var descriptor: CInt
    /// The family of the bound address (a message goes out of a socket of its own family).
    let family: NIOBSDSocket.ProtocolFamily

    /// Binds a non-blocking, close-on-exec UDP socket with `SO_REUSEADDR` and `SO_REUSEPORT`.
    /// - Returns: the bound descriptor (for SwiftNIO) and this socket, holding its duplicate.
    /// - Throws: ``ServerError`` naming the address when it cannot be bound.
    static func bind(host: String, port: Int) throws(ServerError) -> (bound: CInt, socket: WorkerDatagramSocket) {
        let address: SocketAddress
        do {
            // An address, or a name such as `localhost` (resolved as SwiftNIO's bind did).
            address = try (try? SocketAddress(ipAddress: host, port: port)) ?? SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw ServerError("\(host):\(port): \(error)")
        }
        let family: CInt = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let bound = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard bound >= 0 else { throw ServerError("\(host):\(port): socket(): \(Self.lastError)") }
        var on: CInt = 1
        setsockopt(bound, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<CInt>.size))
        setsockopt(bound, SOL_SOCKET, SO_REUSEPORT, &on, socklen_t(MemoryLayout<CInt>.size))
        let result = address.withSockAddr { pointer, length in Glibc.bind(bound, pointer, socklen_t(length)) }
        let sending = result == 0 ? fcntl(bound, F_DUPFD_CLOEXEC, 0) : -1
        guard sending >= 0 else {
            let reason = Self.lastError
            Glibc.close(bound)
            throw ServerError("\(host):\(port): \(reason)")
        }
        return (bound, WorkerDatagramSocket(descriptor: sending, family: address.protocol))
    }

    private init(descriptor: CInt, family: NIOBSDSocket.ProtocolFamily) {
        self.descriptor = descriptor
        self.family = family
    }

    private static var lastError: String { String(cString: strerror(errno)) }

    /// Sends `bytes` to `address` at once (on the worker's loop). False when the socket cannot
    /// take it now (`EAGAIN`, `ENOBUFS`) or is closed: the caller queues it on the channel.
    /// Other errors drop the datagram, as the network would; the transaction retransmits.
    func send(_ bytes: [UInt8], to address: SocketAddress) -> Bool {
        guard descriptor >= 0 else { return false }
        let sent = bytes.withUnsafeBytes { buffer in
            address.withSockAddr { pointer, length in
                Glibc.sendto(descriptor, buffer.baseAddress, buffer.count, 0, pointer, socklen_t(length))
            }
        }
        if sent >= 0 { return true }
        return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR)
    }

    /// Closes the duplicate (on the worker's loop).
    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }
}
