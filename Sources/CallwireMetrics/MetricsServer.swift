public import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP listener that serves a registry's exposition at `GET /metrics` (anything else: 404),
/// for a Prometheus server to scrape (`--metrics HOST:PORT`).
public final class MetricsServer: Sendable {
    private let channel: any Channel
    /// The bound address (the real port when 0 was asked for).
    public let host: String, port: Int

    private init(channel: any Channel, host: String, port: Int) {
        self.channel = channel
        self.host = host
        self.port = port
    }

    /// Binds and starts serving.
    /// - Throws: NIO's error when the address cannot be bound.
    public static func start(host: String, port: Int, registry: MetricsRegistry,
                             group: (any EventLoopGroup)? = nil) async throws -> MetricsServer {
        let channel = try await ServerBootstrap(group: group ?? MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry))
                }
            }
            .bind(host: host, port: port).get()
        return MetricsServer(channel: channel, host: host, port: channel.localAddress?.port ?? port)
    }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
    }

    /// Parses `HOST:PORT` (`[v6]:PORT` too).
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

/// Answers one request at a time on a connection.
private final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let registry: MetricsRegistry
    private var head: HTTPRequestHead?

    init(registry: MetricsRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
        case .body:
            break
        case .end:
            guard let request = head else { return }
            head = nil
            let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
            let found = request.method == .GET && (path == "/metrics" || path == "/")
            let body = found ? registry.exposition() : "not found: try /metrics\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? PrometheusText.contentType : "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            let keepAlive = request.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: found ? .ok : .notFound, headers: headers))),
                          promise: nil)
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            let promise: EventLoopPromise<Void>? = keepAlive ? nil : context.eventLoop.makePromise()
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
            if let promise {
                let channel = context.channel
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
