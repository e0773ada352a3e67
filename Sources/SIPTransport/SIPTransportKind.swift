public import SIPCore

/// A SIP transport protocol (RFC 3261 §18).
public enum SIPTransportKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case udp, tcp, tls

    /// Whether the transport delivers reliably (no SIP retransmissions needed, RFC 3261 §17).
    public var isReliable: Bool { self != .udp }
    /// The Via transport token (`UDP`, `TCP`, `TLS`).
    public var viaToken: String { rawValue.uppercased() }
    /// The default port (5060, or 5061 for TLS).
    public var defaultPort: Int { self == .tls ? 5_061 : 5_060 }

    /// Parses a Via or `transport=` token.
    public init?(token: String) {
        switch token.lowercased() {
        case "udp": self = .udp
        case "tcp": self = .tcp
        case "tls": self = .tls
        default: return nil
        }
    }

    public var description: String { viaToken }
}

/// Where a message goes or came from: a transport and a numeric address.
public struct SIPDestination: Sendable, Hashable, CustomStringConvertible {
    /// The transport.
    public var kind: SIPTransportKind
    /// An IP address literal (no brackets).
    public var host: String
    /// The port.
    public var port: Int
    /// For TLS: the name the server's certificate must carry (the SIP domain or host name).
    public var serverName: String?

    /// Creates a destination.
    public init(kind: SIPTransportKind, host: String, port: Int, serverName: String? = nil) {
        self.kind = kind
        self.host = host
        self.port = port
        self.serverName = serverName
    }

    /// `host:port` with IPv6 literals bracketed.
    public var hostPort: String { host.hostPort(port) }

    public var description: String { "\(kind.rawValue):\(hostPort)" }
}

/// A message received by a transport.
public struct SIPInbound: Sendable {
    /// The message.
    public var message: SIPMessage
    /// Where it came from (for responses: the connection or address to answer on).
    public var source: SIPDestination
}

/// Sends and receives SIP messages (RFC 3261 §18). Implemented on SwiftNIO sockets by
/// ``SIPNetworkTransport`` and in process by ``LoopbackTransport``.
public protocol SIPTransport: AnyObject, Sendable {
    /// The addresses listened on, with their real ports (port 0 at start becomes the bound one).
    var listening: [SIPDestination] { get }
    /// Sends `message` to `destination`; `completion` gets the error if it could not be sent
    /// (a refused connection, an unreachable network, a TLS certificate that does not verify).
    func send(_ message: SIPMessage, to destination: SIPDestination, completion: @escaping @Sendable ((any Error)?) -> Void)
    /// Sets the function that receives every valid message (called on the transport's threads).
    func setReceiver(_ receiver: @escaping @Sendable (SIPInbound) -> Void)
    /// Closes every listener and connection.
    func close() async
    /// Sends an RFC 5626 §4.4.1 keep-alive ping (CRLFCRLF) on the TCP or TLS flow to
    /// `destination`; `completion` gets the error when there is no flow to send it on.
    func sendKeepAlive(to destination: SIPDestination, completion: @escaping @Sendable ((any Error)?) -> Void)
    /// Sets the function told of every pong (a lone CRLF, RFC 5626 §4.4.1) and the flow it came on.
    func setKeepAliveReceiver(_ receiver: @escaping @Sendable (SIPDestination) -> Void)
}

extension SIPTransport {
    /// Transports without stream flows have no keep-alives to send.
    public func sendKeepAlive(to destination: SIPDestination, completion: @escaping @Sendable ((any Error)?) -> Void) {
        completion(KeepAliveUnsupported(destination: destination))
    }

    /// Transports without stream flows never see a pong.
    public func setKeepAliveReceiver(_ receiver: @escaping @Sendable (SIPDestination) -> Void) {}
}

/// A keep-alive asked of a transport that has no stream flow to send it on.
public struct KeepAliveUnsupported: Error, CustomStringConvertible, Sendable {
    /// Where it was to go.
    public var destination: SIPDestination
    public var description: String { "no keep-alive flow to \(destination): CRLF keep-alives need TCP or TLS" }
}

/// The bytes of RFC 5626 §4.4.1 keep-alives on streams.
public enum KeepAlive {
    /// A ping: a double CRLF.
    public static let ping: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
    /// A pong: one CRLF.
    public static let pong: [UInt8] = [0x0D, 0x0A]
}
