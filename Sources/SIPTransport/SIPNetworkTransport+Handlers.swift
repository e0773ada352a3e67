import NIOCore
import NIOTLS
import SIPCore

// The channel handlers of ``SIPNetworkTransport``: TLS handshake waits, datagrams, streams
// (messages and RFC 5626 keep-alives), and the callbacks they call.

/// Completes when the TLS handshake does, or fails with its error.
final class HandshakeWaiter: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    var promise: EventLoopPromise<Void>?

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            promise?.succeed()
            promise = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.fail(error)
        promise = nil
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(TransportError("the TLS connection closed during the handshake"))
        promise = nil
        context.fireChannelInactive()
    }
}

/// Reads datagrams: one message each.
final class DatagramReceiver: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let shared: SIPNetworkTransport.Shared
    init(shared: SIPNetworkTransport.Shared) { self.shared = shared }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let size = envelope.data.readableBytes
        guard size <= shared.options.maximumSize else {
            shared.options.log("dropping a \(size)-byte datagram from \(envelope.remoteAddress): larger than the maximum of \(shared.options.maximumSize) bytes")
            return
        }
        let bytes = Array(envelope.data.readableBytesView)
        // A lone CRLF is a keep-alive (RFC 5626 §4.4.1); anything else must parse.
        guard bytes.contains(where: { $0 != 0x0D && $0 != 0x0A }) else { return }
        guard let message = try? SIPMessage(datagram: bytes) else {
            shared.options.log("dropping an unparsable datagram from \(envelope.remoteAddress)")
            // §16.3 step 1 / §8.2: answer 400 when the request names where to answer.
            if let reply = BadRequest.response(to: bytes, reason: "Bad Request (unparsable)") {
                var buffer = context.channel.allocator.buffer(capacity: reply.count)
                buffer.writeBytes(reply)
                context.writeAndFlush(NIOAny(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
            }
            return
        }
        shared.deliver(message, from: envelope.remoteAddress, kind: .udp)
    }
}

/// Frames a TCP or TLS stream into messages by Content-Length.
final class StreamReceiver: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let kind: SIPTransportKind
    let shared: SIPNetworkTransport.Shared
    var parser: SIPStreamParser

    init(kind: SIPTransportKind, shared: SIPNetworkTransport.Shared) {
        self.kind = kind
        self.shared = shared
        parser = SIPStreamParser(maximumHeaderBytes: shared.options.maximumSize, maximumBodyBytes: shared.options.maximumSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        parser.append(buffer.readableBytesView)
        guard let remote = context.remoteAddress else { return }
        do {
            while let item = try parser.nextItem() {
                switch item {
                case .message(let message):
                    shared.deliver(message, from: remote, kind: kind)
                case .ping:
                    // RFC 5626 §3.5.1: answer a ping with a pong on the same flow.
                    var pong = context.channel.allocator.buffer(capacity: 2)
                    pong.writeBytes(KeepAlive.pong)
                    context.writeAndFlush(NIOAny(pong), promise: nil)
                case .pong:
                    if let host = remote.ipAddress, let port = remote.port {
                        shared.keepAliveReceiver.withLock { $0 }?.call(SIPDestination(kind: kind, host: host, port: port))
                    }
                }
            }
        } catch {
            shared.options.log("closing the \(kind.rawValue) connection from \(remote): \(error)")
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let remote = context.remoteAddress, let host = remote.ipAddress, let port = remote.port {
            let key = SIPNetworkTransport.Shared.key(kind, host, port)
            shared.connections.withLock { connections in
                if connections[key] === context.channel { connections[key] = nil }
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.options.log("\(kind.rawValue) connection error: \(error)")
        context.close(promise: nil)
    }
}

/// Holds a callback behind a lock. A closure kept directly in a `Mutex` is re-abstracted on
/// every `withLock { $0 }` (the inout value is written back through thunks), so each read would
/// wrap it once more until the stack overflows; a class reference does not change.
final class InboundHandler: Sendable {
    let call: @Sendable (SIPInbound) -> Void
    init(_ call: @escaping @Sendable (SIPInbound) -> Void) { self.call = call }
}

/// Holds the pong callback behind a lock (see ``InboundHandler``).
final class KeepAliveHandler: Sendable {
    let call: @Sendable (SIPDestination) -> Void
    init(_ call: @escaping @Sendable (SIPDestination) -> Void) { self.call = call }
}
