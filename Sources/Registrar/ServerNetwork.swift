#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import SIPCore
import SIPTransaction
import SIPTransport

/// The server's sockets, spread over its workers.
///
/// Each UDP listener is one socket per worker, all bound to the same address with
/// `SO_REUSEPORT`: a worker sends from its own socket (the peer sees the listening port) without
/// leaving its loop, with a direct `sendto(2)` (``WorkerDatagramSocket``). The kernel hands each
/// datagram to one of the sockets; the loop that reads it checks the source's rate, finds the
/// Call-ID in the raw bytes, and passes the bytes to the worker that owns the Call-ID
/// (``CallIDShard``), which parses and processes them. TCP and TLS go through a
/// ``SIPNetworkTransport``, whose messages are dispatched the same way.
final class ServerNetwork: @unchecked Sendable {
    let listening: [SIPDestination]
    private let loops: [any EventLoop]
    /// UDP channels: `udp[worker][listener]`.
    private let udp: [[any Channel]]
    /// Their sockets for sending, in the same order (each used on its worker's loop only).
    private let senders: [[WorkerDatagramSocket]]
    private let streams: SIPNetworkTransport
    private let options: TransportOptions
    /// Set once by ``attach(_:)`` before reading starts.
    private var workers: [ServerWorker] = []
    /// Socket addresses of recent destinations, one cache per worker (used on its loop only).
    private var addresses: [AddressCache] = []
    private var state: ServerState?

    private init(listening: [SIPDestination], loops: [any EventLoop], udp: [[any Channel]], senders: [[WorkerDatagramSocket]],
                 streams: SIPNetworkTransport, options: TransportOptions) {
        self.listening = listening
        self.loops = loops
        self.udp = udp
        self.senders = senders
        self.streams = streams
        self.options = options
    }

    /// Binds every listener (reading starts at ``attach(_:)``).
    static func bind(_ options: TransportOptions, loops: [any EventLoop]) async throws -> ServerNetwork {
        var streamOptions = options
        streamOptions.listeners = options.listeners.filter { $0.kind != .udp }
        let streams = try await SIPNetworkTransport.start(streamOptions)
        var channels: [[any Channel]] = loops.map { _ in [] }
        var senders: [[WorkerDatagramSocket]] = loops.map { _ in [] }
        var listening: [SIPDestination] = []
        var streamIndex = 0
        let holder = DispatchTarget()
        do {
            for listener in options.listeners {
                guard listener.kind == .udp else {
                    listening.append(streams.listening[streamIndex])
                    streamIndex += 1
                    continue
                }
                var port = listener.port
                for (index, loop) in loops.enumerated() {
                    let (descriptor, sender) = try WorkerDatagramSocket.bind(host: listener.host, port: port)
                    senders[index].append(sender)
                    let channel = try await DatagramBootstrap(group: loop)
                        .channelOption(.autoRead, value: false)
                        // SwiftNIO splits the receive buffer evenly between the datagrams of one
                        // recvmmsg(2) and does not report truncation, so each slice must hold the
                        // largest UDP payload (65,527 bytes over IPv6): with 32 slices of one
                        // 64 KiB buffer, a 3 kB INVITE was cut to 2 kB and refused. The 2 MiB
                        // buffer is reused from read to read (about 2 MB more resident memory per
                        // worker than one 64 KiB buffer, measured).
                        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.datagramsPerRead * 65_536))
                        .channelOption(.datagramVectorReadMessageCount, value: Self.datagramsPerRead)
                        // One recvmmsg(2) per wake-up: a second would mostly return EAGAIN, and
                        // the socket stays readable for the next turn anyway.
                        .channelOption(.maxMessagesPerRead, value: 1)
                        .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                        .channelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(DatagramDispatcher(target: holder, worker: index,
                                                                                                  maximumSize: options.maximumSize))
                            }
                        }
                        .withBoundSocket(descriptor).get()
                    try await loop.submit { sender.adopt(channel) }.get()
                    // A flood fills the socket buffer faster than any reader in bursts, and the
                    // kernel then drops legitimate datagrams with it: 8 MiB past rmem_max when
                    // allowed (root), else what SO_RCVBUF got.
                    try? await channel.setOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_RCVBUFFORCE)), value: 8 << 20).get()
                    port = channel.localAddress?.port ?? port
                    channels[index].append(channel)
                }
                listening.append(SIPDestination(kind: .udp, host: listener.host, port: port))
            }
        } catch {
            for channel in channels.joined() { try? await channel.close() }
            await streams.close()
            throw error
        }
        let network = ServerNetwork(listening: listening, loops: loops, udp: channels, senders: senders, streams: streams, options: options)
        holder.network = network
        return network
    }

    /// Connects the workers and starts reading.
    func attach(_ workers: [ServerWorker]) {
        self.workers = workers
        addresses = workers.map { _ in AddressCache() }
        state = workers.first?.state
        for worker in workers {
            let index = worker.index
            worker.stack.transmit = { [unowned self, unowned worker] message, destination, transaction in
                send(message, to: destination, from: index, worker: worker, transaction: transaction)
            }
        }
        streams.setReceiver { [unowned self] inbound in receivedStream(inbound) }
        for channel in udp.joined() { channel.setOption(.autoRead, value: true).whenFailure { _ in } }
    }

    func close() async {
        // Each channel's close closes its sending duplicate too (WorkerDatagramSocket.adopt).
        for channel in udp.joined() { try? await channel.close() }
        await streams.close()
    }

    // MARK: Receiving

    /// Whether a datagram from `address` may be read: a request (not a response) counts toward
    /// its source's rate, and a banned source's datagrams are dropped here, before any copy.
    func admit(_ address: SocketAddress, isRequest: Bool, reader: Int) -> Bool {
        guard let state, isRequest, state.options.rateLimit > 0, let source = SourceAddress(address) else { return state != nil }
        switch state.guardian.withLock({ $0.admit(source: source, now: Double(loops[reader].now.uptimeNanoseconds) / 1e9) }) {
        case .admit:
            return true
        case .drop:
            return false
        case .banned:
            state.options.security?(SecurityEvent.rateLimited(source: address.ipAddress ?? "?", limit: state.options.rateLimit,
                                                              seconds: Int(state.options.rateBan)).description)
            return false
        }
    }

    /// A datagram read by worker `reader`'s loop (already admitted).
    func received(_ bytes: [UInt8], from source: SIPDestination, reader: Int) {
        let worker = workers[CallIDShard.shard(datagram: bytes, count: workers.count)]
        if worker.index == reader {
            worker.receive(datagram: bytes, from: source)
        } else {
            worker.stack.eventLoop.execute { worker.receive(datagram: bytes, from: source) }
        }
    }

    static let responsePrefix = Array("SIP/2.0 ".utf8)
    /// Datagrams one recvmmsg(2) takes at most: a flood is read 32 at a time.
    static let datagramsPerRead = 32

    private func receivedStream(_ inbound: SIPInbound) {
        guard let state else { return }
        if inbound.message.isRequest {
            let now = Double(NIODeadline.now().uptimeNanoseconds) / 1e9
            guard let source = SourceAddress(host: inbound.source.host) else { return }
            switch state.guardian.withLock({ $0.admit(source: source, now: now) }) {
            case .admit: break
            case .drop: return
            case .banned:
                state.options.security?(SecurityEvent.rateLimited(source: inbound.source.host, limit: state.options.rateLimit,
                                                                  seconds: Int(state.options.rateBan)).description)
                return
            }
        }
        let callID = (try? inbound.message.callID) ?? ""
        let worker = workers[CallIDShard.shard(callID: callID, count: workers.count)]
        worker.stack.eventLoop.execute { worker.receive(inbound.message, from: inbound.source) }
    }

    // MARK: Sending

    private func send(_ message: SIPMessage, to destination: SIPDestination, from index: Int, worker: ServerWorker,
                      transaction: TransactionID?) {
        guard destination.kind == .udp else {
            streams.send(message, to: destination) { error in
                guard error != nil, let transaction else { return }
                worker.stack.eventLoop.execute { worker.stack.transportFailed(transaction) }
            }
            return
        }
        guard let address = addresses[index].address(for: destination) else { return }
        let sockets = senders[index]
        guard let listener = sockets.firstIndex(where: { $0.family == address.protocol }) ?? (sockets.isEmpty ? nil : 0) else {
            // No UDP listener: the stream transport can still send a datagram.
            streams.send(message, to: destination) { _ in }
            return
        }
        sockets[listener].send(message.serialized(lineEnding: options.lineEnding), to: address)
    }
}

/// Where a datagram handler hands its datagrams (set once the network exists).
final class DispatchTarget: @unchecked Sendable {
    weak var network: ServerNetwork?
}

/// Reads datagrams on one worker's socket and hands them to the network's dispatch.
private final class DatagramDispatcher: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let target: DispatchTarget
    let worker: Int
    let maximumSize: Int

    init(target: DispatchTarget, worker: Int, maximumSize: Int) {
        self.target = target
        self.worker = worker
        self.maximumSize = maximumSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.data.readableBytes <= maximumSize, let network = target.network else { return }
        let view = envelope.data.readableBytesView
        guard network.admit(envelope.remoteAddress, isRequest: !view.starts(with: ServerNetwork.responsePrefix), reader: worker) else { return }
        let bytes = Array(view)
        // A lone CRLF is a keep-alive (RFC 5626 §4.4.1).
        guard bytes.contains(where: { $0 != 0x0D && $0 != 0x0A }), let source = source(envelope.remoteAddress) else { return }
        network.received(bytes, from: source, reader: worker)
    }

    /// Recent sources as destinations (formatting an address costs a sprintf per datagram).
    private var sources: [SocketAddress: SIPDestination] = [:]

    private func source(_ address: SocketAddress) -> SIPDestination? {
        if let known = sources[address] { return known }
        guard let host = address.ipAddress, let port = address.port else { return nil }
        if sources.count >= 4_096 { sources.removeAll(keepingCapacity: true) }
        let destination = SIPDestination(kind: .udp, host: host, port: port)
        sources[address] = destination
        return destination
    }
}

/// Socket addresses of recent destinations (parsing an address string costs an inet_pton per
/// message). Bounded: emptied when it reaches 4,096 entries.
final class AddressCache: @unchecked Sendable {
    private var table: [SIPDestination: SocketAddress] = [:]

    func address(for destination: SIPDestination) -> SocketAddress? {
        if let known = table[destination] { return known }
        guard let address = try? SocketAddress(ipAddress: destination.host, port: destination.port) else { return nil }
        if table.count >= 4_096 { table.removeAll(keepingCapacity: true) }
        table[destination] = address
        return address
    }
}
