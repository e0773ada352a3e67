import ArgumentParser
import Endpoint
import Foundation
import CallwireMetrics
import Registrar
import SIPCore
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
        challenged with 401 and every other request for a user here with 407 (SHA-256 and MD5), \\
        known user or not. Failed authentications are logged (WARNING lines that the fail2ban \\
        filter in contrib/fail2ban matches) and, past --auth-fail-limit a minute from one address \\
        or for one user, refused for --auth-ban seconds.
        """)

    @Flag(name: [.customShort("d"), .customLong("verbose")], help: "Debug: log every request's outcome and the SIP trace.")
    var debug = false
    @Option(name: [.customShort("t"), .customLong("transport")], help: "udp, tcp or tls (repeatable, one per -l).")
    var transports: [String] = []
    @Option(name: [.customShort("l"), .customLong("local")], help: "HOST:PORT to listen on (repeatable, one per -t).")
    var locals: [String] = []
    @Option(name: [.customShort("r"), .customLong("domain")], help: "A domain this server hosts (repeatable; default: localhost and this host).")
    var domains: [String] = []
    @Option(name: .customLong("alias"), help: ArgumentHelp("Another name for a hosted domain: NAME=DOMAIN, or NAME for the first (repeatable; NAME may be HOST:PORT).", valueName: "NAME[=DOMAIN]"))
    var aliases: [String] = []
    @Flag(help: "Forward requests for domains not hosted here (off: 403, no open relay).")
    var relay = false
    @Option(help: "Users to authenticate: `user password` or `user ha1=HEX` per line.")
    var users: String?
    @Option(help: "Digest algorithms to challenge with, preferred first (sha-512-256, sha-256, md5 and their -sess forms).")
    var algorithms = "sha-256,md5"
    @Option(name: .customLong("location-db"),
            help: ArgumentHelp("Keep registrations in a SQLite file (a restart loses none), or in PostgreSQL shared by several servers.",
                               valueName: "FILE|postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"))
    var locationDB: String?
    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://HOST:PORT/metrics.", valueName: "HOST:PORT"))
    var metrics: String?
    @Option(help: "Event loops doing SIP work (default: the number of cores).")
    var workers: Int?
    @Option(name: .customLong("rate-limit"), help: "Requests per second accepted from one source address; more drops it for 10 s (0: no limit).")
    var rateLimit = 0
    @Option(name: .customLong("auth-fail-limit"), help: "Failed authentications a minute from one address or for one user before they are refused (0: no limit).")
    var authFailLimit = 10
    @Option(name: .customLong("auth-ban"), help: "Seconds an address or user is refused after --auth-fail-limit.")
    var authBan = 300
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
        options.aliases = try aliases.map { argument in
            guard let alias = ServedDomains.Alias(argument: argument) else {
                throw CommandFailure.error("--alias: expected NAME or NAME=DOMAIN, got '\(argument)'", status: ExitStatus.usage)
            }
            return alias
        }
        options.relay = relay
        options.minimumExpires = minExpires
        guard (workers ?? 1) >= 1, rateLimit >= 0, authFailLimit >= 0, authBan >= 0 else {
            throw CommandFailure.error("--workers must be at least 1; --rate-limit, --auth-fail-limit and --auth-ban at least 0", status: ExitStatus.usage)
        }
        options.workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
        options.rateLimit = rateLimit
        options.authFailLimit = authFailLimit
        options.authBan = Double(authBan)
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
        var postgres: PostgresLocationStore?
        if let locationDB {
            do {
                if locationDB.hasPrefix("postgresql:") || locationDB.hasPrefix("postgres:") {
                    postgres = try await PostgresLocationStore.connect(url: locationDB)
                    options.store = postgres
                } else {
                    options.store = try LocationStore(path: locationDB)
                }
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
        options.security = { log("WARNING", $0) }
        if debug {
            options.log = { log("DEBUG", $0) }
            options.trace = { log("DEBUG", $0) }
        }
        AllocatorTuning.keepFreedMemory()
        options.prepareWorkerThread = { AllocatorTuning.reserveThreadHeap() }
        let server: Registrar.SIPServer
        do {
            server = try await Registrar.SIPServer.start(options, transport: transportOptions, advertisedHost: CallerDefaults.localAddress)
        } catch {
            await postgres?.close()
            throw CommandFailure.error("\(error)", status: ExitStatus.networkError)
        }
        var metricsServer: MetricsServer?
        if let metrics {
            guard let (host, port) = MetricsServer.parseAddress(metrics) else {
                await server.close()
                await postgres?.close()
                throw CommandFailure.error("--metrics: expected HOST:PORT, got '\(metrics)'", status: ExitStatus.usage)
            }
            let registry = MetricsRegistry()
            registry.register { ServerMetrics.families(server.statistics()) }
            do {
                metricsServer = try await MetricsServer.start(host: host, port: port, registry: registry)
            } catch {
                await server.close()
                await postgres?.close()
                throw CommandFailure.error("--metrics: cannot listen on \(metrics): \(error)", status: ExitStatus.networkError)
            }
            if let metricsServer {
                let host = metricsServer.host.bracketedHost
                environment.out("\(CallerRun.timestamp()) sip.server INFO - metrics at http://\(host):\(metricsServer.port)/metrics")
            }
        }
        for listener in server.listening {
            environment.out("\(CallerRun.timestamp()) sip.api INFO - starting agent on \(listener.hostPort) with transport \(listener.kind.rawValue)")
        }
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        let trap = SignalTrap { stop.yield() }
        for await _ in stopped { break }
        trap.cancel()
        await metricsServer?.close()
        await server.close()
        await postgres?.close()
        return ExitStatus.success
    }
}
