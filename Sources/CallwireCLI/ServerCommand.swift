import ArgumentParser
import Endpoint
import Foundation
import NIOPosix
import Registrar
import SIPCore
import SIPDialog
import SIPTransport

/// `callwire server`: the rtclite server's options and start-up line, on Callwire's registrar
/// and stateful proxy — with authentication, no open relay, and best-response selection.
struct ServerCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the included SIP registrar and transaction-stateful proxy.",
        discussion: """
        Listens on 0.0.0.0:5060 over UDP unless told otherwise; -t and -l come in pairs:

          callwire server -d
          callwire server -t udp -l 0.0.0.0:5060 -t tcp -l 0.0.0.0:5060 -r example.com --users users.txt

        A users file has `user password` (or `user ha1=HEX`) per line; with it, REGISTER is \\
        challenged with 401 and calls and messages with 407 (SHA-256 and MD5).
        """)

    @Flag(name: [.customShort("d"), .customLong("verbose")], help: "Debug: log every request's outcome and the SIP trace.")
    var debug = false
    @Option(name: [.customShort("t"), .customLong("transport")], help: "udp, tcp or tls (repeatable, one per -l).")
    var transports: [String] = []
    @Option(name: [.customShort("l"), .customLong("local")], help: "HOST:PORT to listen on (repeatable, one per -t).")
    var locals: [String] = []
    @Option(name: [.customShort("r"), .customLong("domain")], help: "A domain this server hosts (repeatable; default: localhost and this host).")
    var domains: [String] = []
    @Flag(help: "Forward requests for domains not hosted here (off: 403, no open relay).")
    var relay = false
    @Option(help: "Users to authenticate: `user password` or `user ha1=HEX` per line.")
    var users: String?
    @Option(help: "Digest algorithms to challenge with, preferred first (sha-512-256, sha-256, md5 and their -sess forms).")
    var algorithms = "sha-256,md5"
    @Option(name: .customLong("location-db"), help: "Keep registrations in this SQLite file, so a restart loses none.")
    var locationDB: String?
    @Option(name: .customLong("min-expires"), help: "The shortest registration accepted (shorter ones get 423).")
    var minExpires = 60
    @Option(name: .customLong("tls-cert"), help: "Certificate chain (PEM) for TLS listeners.")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "Private key (PEM) for --tls-cert.")
    var tlsKey: String?

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        let kinds = transports.isEmpty ? ["udp"] : transports
        let addresses = locals.isEmpty ? Array(repeating: "0.0.0.0:5060", count: kinds.count) : locals
        guard kinds.count == addresses.count else {
            throw CommandFailure.error("must use multiple --local option with multiple --transport option", status: ExitStatus.usage)
        }
        var listeners: [TransportOptions.Listener] = []
        for (kind, address) in zip(kinds, addresses) {
            guard let transport = SIPTransportKind(token: kind) else {
                throw CommandFailure.error("-t: unknown transport '\(kind)' (use udp, tcp or tls)", status: ExitStatus.usage)
            }
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
                throw CommandFailure.error("-l: expected HOST:PORT, got '\(address)'", status: ExitStatus.usage)
            }
            var host = String(address[..<colon])
            if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
            listeners.append(.init(kind: transport, host: host, port: port))
        }
        var options = Registrar.SIPServer.Options()
        options.domains = domains
        options.relay = relay
        options.minimumExpires = minExpires
        if let users {
            do {
                options.users = try UserDirectory(contentsOf: users)
            } catch {
                throw CommandFailure.error("\(error)", status: ExitStatus.usage)
            }
        }
        options.algorithms = try algorithms.split(separator: ",").map { token in
            guard let algorithm = DigestAlgorithm(token: String(token).trimmingCharacters(in: .whitespaces)) else {
                throw CommandFailure.error("--algorithms: unknown algorithm '\(token)' (sha-512-256, sha-256, md5, sha-512-256-sess, sha-256-sess, md5-sess)", status: ExitStatus.usage)
            }
            return algorithm
        }
        if let locationDB {
            do {
                options.store = try LocationStore(path: locationDB)
            } catch {
                throw CommandFailure.error("\(error)", status: ExitStatus.usage)
            }
        }
        var transportOptions = TransportOptions(listeners: listeners)
        transportOptions.tlsCertificate = tlsCert
        transportOptions.tlsKey = tlsKey
        let log: @Sendable (String, String) -> Void = { level, text in
            environment.out("\(CallerRun.timestamp()) sip.server \(level) - \(text)")
        }
        transportOptions.log = { log("WARNING", $0) }
        let transport: SIPNetworkTransport
        do {
            transport = try await SIPNetworkTransport.start(transportOptions)
        } catch {
            throw CommandFailure.error("cannot listen: \(error)", status: ExitStatus.networkError)
        }
        let first = transport.listening[0]
        let advertisedHost = first.host == "0.0.0.0" || first.host == "::" ? CallerDefaults.localAddress : first.host
        let stack = SIPStack(transport: transport, eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
                             advertised: SIPDestination(kind: first.kind, host: advertisedHost, port: first.port))
        if debug { stack.trace = { log("DEBUG", $0) } }
        let server = Registrar.SIPServer(stack: stack, listening: transport.listening, options: options)
        if debug { server.log = { log("DEBUG", $0) } }
        for listener in transport.listening {
            environment.out("\(CallerRun.timestamp()) sip.api INFO - starting agent on \(listener.hostPort) with transport \(listener.kind.rawValue)")
        }
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        let trap = SignalTrap { stop.yield() }
        for await _ in stopped { break }
        trap.cancel()
        await transport.close()
        return ExitStatus.success
    }
}
