public import NIOCore
public import NIOPosix
import NIOSSL
import NIOTLS
public import SIPCore
import Synchronization

/// SIP over UDP, TCP and TLS sockets (RFC 3261 §18) on SwiftNIO.
///
/// UDP requests and responses leave from the listening socket, so the peer sees the advertised
/// port. A TCP or TLS connection is reused for every message to the same address, whichever
/// side opened it, and closed after ``TransportOptions/idleTimeout`` without traffic. Stream
/// messages are framed by Content-Length; datagrams larger than ``TransportOptions/maximumSize``
/// are dropped with a log line rather than cut and mis-parsed. On receipt, a request's top Via
/// gets `received` when the source address differs from its sent-by, and a valueless `rport`
/// is filled with the source port (RFC 3261 §18.2.1, RFC 3581 §4).
public final class SIPNetworkTransport: SIPTransport, @unchecked Sendable {
    public let listening: [SIPDestination]
    private let options: TransportOptions
    private let group: any EventLoopGroup
    private let udpChannels: [any Channel]
    private let serverChannels: [any Channel]
    private let clientTLS: NIOSSLContext?
    private let shared: Shared

    /// State shared with the channel handlers.
    final class Shared: @unchecked Sendable {
        let receiver = Mutex<InboundHandler?>(nil)
        let keepAliveReceiver = Mutex<KeepAliveHandler?>(nil)
        let connections = Mutex<[String: any Channel]>([:])
        let options: TransportOptions

        init(options: TransportOptions) { self.options = options }

        static func key(_ kind: SIPTransportKind, _ host: String, _ port: Int) -> String { "\(kind.rawValue)|\(host)|\(port)" }

        func deliver(_ message: SIPMessage, from address: SocketAddress, kind: SIPTransportKind) {
            guard let host = address.ipAddress, let port = address.port else { return }
            var message = message
            if message.isRequest { Self.stampVia(&message, host: host, port: port) }
            let inbound = SIPInbound(message: message, source: SIPDestination(kind: kind, host: host, port: port))
            receiver.withLock { $0 }?.call(inbound)
        }

        /// RFC 3261 §18.2.1 and RFC 3581 §4.
        static func stampVia(_ message: inout SIPMessage, host: String, port: Int) {
            guard let parsed = try? message.firstVia else { return }
            var via = parsed
            var changed = false
            let sentHost = via.host.hasPrefix("[") ? String(via.host.dropFirst().dropLast()) : via.host
            if sentHost != host || via.rport != nil {
                via.parameters["received"] = host
                changed = true
            }
            if case .requested? = via.rport {
                via.parameters["rport"] = String(port)
                changed = true
            }
            guard changed else { return }
            _ = message.headers.removeFirstValue(.via)
            message.headers.prepend(.via, via.description)
        }
    }

    private init(listening: [SIPDestination], options: TransportOptions, group: any EventLoopGroup, udp: [any Channel],
                 servers: [any Channel], clientTLS: NIOSSLContext?, shared: Shared) {
        self.listening = listening
        self.options = options
        self.group = group
        udpChannels = udp
        serverChannels = servers
        self.clientTLS = clientTLS
        self.shared = shared
    }

    /// Binds every listener.
    /// - Throws: a ``TransportError`` naming the address that could not be bound, or the TLS
    ///   file that could not be read.
    public static func start(_ options: TransportOptions,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> SIPNetworkTransport {
        let shared = Shared(options: options)
        var listening: [SIPDestination] = []
        var udp: [any Channel] = [], servers: [any Channel] = []
        let serverTLS = try makeServerTLS(options)
        let clientTLS = try makeClientTLS(options)
        for listener in options.listeners {
            do {
                switch listener.kind {
                case .udp:
                    let channel = try await DatagramBootstrap(group: group)
                        .channelOption(.socketOption(.so_reuseaddr), value: 1)
                        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                        .channelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(DatagramReceiver(shared: shared))
                            }
                        }
                        .bind(host: listener.host, port: listener.port).get()
                    udp.append(channel)
                    listening.append(SIPDestination(kind: .udp, host: listener.host, port: channel.localAddress?.port ?? listener.port))
                case .tcp, .tls:
                    if listener.kind == .tls, serverTLS == nil {
                        throw TransportError("listening on TLS needs --tls-cert and --tls-key")
                    }
                    let tls = listener.kind == .tls ? serverTLS : nil
                    let kind = listener.kind
                    let channel = try await ServerBootstrap(group: group)
                        .serverChannelOption(.backlog, value: Int32(options.listenQueue))
                        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                        .childChannelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try Self.configureStream(channel, kind: kind, tls: tls.map { NIOSSLServerHandler(context: $0) },
                                                         shared: shared)
                                if let remote = channel.remoteAddress, let host = remote.ipAddress, let port = remote.port {
                                    shared.connections.withLock { $0[Shared.key(kind, host, port)] = channel }
                                }
                            }
                        }
                        .bind(host: listener.host, port: listener.port).get()
                    servers.append(channel)
                    listening.append(SIPDestination(kind: listener.kind, host: listener.host,
                                                    port: channel.localAddress?.port ?? listener.port))
                }
            } catch let error as TransportError {
                throw error
            } catch {
                for channel in udp + servers { try? await channel.close() }
                throw TransportError("cannot listen on \(listener.kind.rawValue) \(listener.host):\(listener.port): \(error)")
            }
        }
        return SIPNetworkTransport(listening: listening, options: options, group: group, udp: udp, servers: servers,
                                   clientTLS: clientTLS, shared: shared)
    }

    static func configureStream(_ channel: any Channel, kind: SIPTransportKind, tls: (any ChannelHandler)?,
                                shared: Shared) throws {
        let pipeline = channel.pipeline.syncOperations
        if let tls { try pipeline.addHandler(tls) }
        try pipeline.addHandler(IdleStateHandler(allTimeout: TimeAmount.nanoseconds(
            shared.options.idleTimeout.components.seconds * 1_000_000_000 + shared.options.idleTimeout.components.attoseconds / 1_000_000_000)))
        try pipeline.addHandler(StreamReceiver(kind: kind, shared: shared))
    }

    private static func makeServerTLS(_ options: TransportOptions) throws -> NIOSSLContext? {
        guard let certificate = options.tlsCertificate, let key = options.tlsKey else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TransportError("cannot use the TLS certificate \(certificate) and key \(key): \(error)")
        }
    }

    private static func makeClientTLS(_ options: TransportOptions) throws -> NIOSSLContext? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let ca = options.tlsTrustedCAs {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            } catch {
                throw TransportError("cannot read the TLS CA file \(ca): \(error)")
            }
        }
        return try? NIOSSLContext(configuration: configuration)
    }

    /// Marks a request's top Via with where it really came from (RFC 3261 §18.2.1 `received`,
    /// RFC 3581 §4 `rport`), as this transport does on receipt; for servers that read their own
    /// sockets.
    public static func stampReceived(_ message: inout SIPMessage, host: String, port: Int) {
        Shared.stampVia(&message, host: host, port: port)
    }

    public func setReceiver(_ receiver: @escaping @Sendable (SIPInbound) -> Void) {
        let handler = InboundHandler(receiver)
        shared.receiver.withLock { $0 = handler }
    }

    public func setKeepAliveReceiver(_ receiver: @escaping @Sendable (SIPDestination) -> Void) {
        let handler = KeepAliveHandler(receiver)
        shared.keepAliveReceiver.withLock { $0 = handler }
    }

    /// Writes a CRLFCRLF ping on the open connection to `destination` (RFC 5626 §4.4.1); a flow
    /// that has closed is not reopened for a ping — that is the failure the ping detects.
    public func sendKeepAlive(to destination: SIPDestination, completion: @escaping @Sendable ((any Error)?) -> Void) {
        guard destination.kind.isReliable else {
            completion(KeepAliveUnsupported(destination: destination))
            return
        }
        let key = Shared.key(destination.kind, destination.host, destination.port)
        guard let channel = shared.connections.withLock({ $0[key] }), channel.isActive else {
            completion(TransportError("the \(destination.kind.rawValue) connection to \(destination.hostPort) has closed"))
            return
        }
        write(KeepAlive.ping, on: channel, destination: destination, completion: completion)
    }

    public func send(_ message: SIPMessage, to destination: SIPDestination, completion: @escaping @Sendable ((any Error)?) -> Void) {
        let bytes = message.serialized(lineEnding: options.lineEnding)
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: destination.host, port: destination.port)
        } catch {
            completion(TransportError("cannot send to \(destination): not an IP address"))
            return
        }
        switch destination.kind {
        case .udp:
            guard let channel = udpChannels.first(where: { $0.localAddress?.protocol == address.protocol }) ?? udpChannels.first else {
                completion(TransportError("no UDP socket to send to \(destination) (not listening on UDP)"))
                return
            }
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer)).whenComplete { result in
                if case .failure(let error) = result { completion(TransportError("sending to \(destination) failed: \(error)")) } else { completion(nil) }
            }
        case .tcp, .tls:
            let key = Shared.key(destination.kind, destination.host, destination.port)
            if let channel = shared.connections.withLock({ $0[key] }), channel.isActive {
                write(bytes, on: channel, destination: destination, completion: completion)
                return
            }
            connect(to: address, destination: destination).whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    shared.connections.withLock { $0[key] = channel }
                    write(bytes, on: channel, destination: destination, completion: completion)
                case .failure(let error as TransportError):
                    completion(error)
                case .failure(let error):
                    completion(TransportError("cannot connect to \(destination): \(error)"))
                }
            }
        }
    }

    private func write(_ bytes: [UInt8], on channel: any Channel, destination: SIPDestination,
                       completion: @escaping @Sendable ((any Error)?) -> Void) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer).whenComplete { result in
            if case .failure(let error) = result {
                completion(TransportError(Self.describe(error, destination: destination)))
            } else {
                completion(nil)
            }
        }
    }

    private func connect(to address: SocketAddress, destination: SIPDestination) -> EventLoopFuture<any Channel> {
        let shared = shared
        let tls = destination.kind == .tls ? clientTLS : nil
        if destination.kind == .tls, tls == nil {
            return group.next().makeFailedFuture(TransportError("TLS is not available"))
        }
        let serverName = destination.serverName ?? destination.host
        let waiter = HandshakeWaiter()
        let connected = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try tls.map { try NIOSSLClientHandler(context: $0, serverHostname: Self.isIPAddress(serverName) ? nil : serverName) }
                    try Self.configureStream(channel, kind: destination.kind, tls: handler, shared: shared)
                    if let handler {
                        waiter.promise = channel.eventLoop.makePromise()
                        try channel.pipeline.syncOperations.addHandler(waiter, position: .after(handler))
                    }
                }
            }
            .connect(to: address)
        guard tls != nil else { return connected }
        // Wait for the TLS handshake, so a certificate that does not verify is reported as
        // such instead of as a write on a closed channel.
        return connected.flatMap { channel in
            (waiter.promise?.futureResult ?? channel.eventLoop.makeSucceededVoidFuture()).map { channel }
        }.flatMapErrorThrowing { error in
            throw TransportError(Self.describe(error, destination: destination))
        }
    }

    static func isIPAddress(_ host: String) -> Bool { (try? SocketAddress(ipAddress: host, port: 0)) != nil }

    static func describe(_ error: any Error, destination: SIPDestination) -> String {
        let text = "\(error)"
        if destination.kind == .tls, text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate") {
            return "TLS to \(destination): the server's certificate is not trusted (\(text)); give its CA with --tls-ca"
        }
        return "sending to \(destination) failed: \(text)"
    }

    public func close() async {
        let connections = shared.connections.withLock { $0.values.map { $0 } }
        for channel in udpChannels + serverChannels + connections { try? await channel.close() }
    }
}

/// A transport failure, said for people.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
