public import SIPCore

/// How the network transport listens and what it accepts.
public struct TransportOptions: Sendable {
    /// One listening socket.
    public struct Listener: Sendable, Hashable {
        /// The transport.
        public var kind: SIPTransportKind
        /// The local address (`0.0.0.0`, `::`, `127.0.0.1`, …).
        public var host: String
        /// The port; 0 picks a free one.
        public var port: Int

        /// Creates a listener.
        public init(kind: SIPTransportKind, host: String, port: Int) {
            self.kind = kind
            self.host = host
            self.port = port
        }
    }

    /// What to listen on.
    public var listeners: [Listener]
    /// The largest message accepted; larger datagrams are dropped with a log line (the seed's
    /// `--max-size`), larger stream messages close the connection.
    public var maximumSize: Int = 65_535
    /// The TCP/TLS accept backlog (`--listen-queue`).
    public var listenQueue: Int = 5
    /// How long an unused TCP or TLS connection stays open.
    public var idleTimeout: Duration = .seconds(180)
    /// TLS: certificate chain and key files (PEM) for listening (`--tls-cert`, `--tls-key`).
    public var tlsCertificate: String?, tlsKey: String?
    /// TLS: trust these CA certificates (PEM) instead of the system roots (`--tls-ca`).
    public var tlsTrustedCAs: String?
    /// Line ends on the wire (`--use-lf` writes bare LF, for peers that need it).
    public var lineEnding: SIPLineEnding = .crlf
    /// Where diagnostics go (dropped datagrams, closed connections).
    public var log: @Sendable (String) -> Void = { _ in }

    /// Creates options.
    public init(listeners: [Listener]) { self.listeners = listeners }
}
