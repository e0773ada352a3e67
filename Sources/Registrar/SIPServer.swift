import Foundation
public import NIOCore
import NIOPosix
public import SIPCore
import SIPTransaction
public import SIPTransport
import Synchronization

/// The included SIP server: a registrar (RFC 3261 §10) and a transaction-stateful forking proxy
/// (§16), with optional Digest authentication, flood and guessing defences, and bindings shared
/// through a database.
///
/// The SIP work runs on ``Options/workers`` event loops. Each worker owns its transactions; a
/// message goes to the worker chosen by a hash of its Call-ID (``ServerNetwork``), so an INVITE,
/// its retransmissions, its CANCEL and ACK, its responses and the dialog's BYE all meet the same
/// transaction state, while one busy source still spreads over every worker.
public final class SIPServer: Sendable {
    /// What the server does.
    public struct Options: Sendable {
        /// Hosted domains (`-r`); empty: `localhost`, this host's name and addresses.
        public var domains: [String] = []
        /// More names for hosted domains (`--alias`).
        public var aliases: [ServedDomains.Alias] = []
        /// Forward requests for other domains (`--relay`); off: they get 403.
        public var relay = false
        /// Users to authenticate (`--users`); nil: no authentication.
        public var users: UserDirectory?
        /// Digest algorithms challenged, one challenge each, preferred first (RFC 8760 §2.4).
        /// Some clients (sipp) answer only the first challenge, and only MD5.
        public var algorithms: [DigestAlgorithm] = [.sha256, .md5]
        /// The shortest registration accepted (`--min-expires`, §10.3 step 7 → 423).
        public var minimumExpires = 60
        /// The longest registration granted.
        public var maximumExpires = 7_200
        /// The Server header.
        public var product = "Callwire server"
        /// Where bindings are kept (`--location-db`); nil: memory only.
        public var store: (any BindingStore)?
        /// Event loops doing SIP work (`--workers`).
        public var workers = 1
        /// Requests per second per source address; 0: no limit (`--rate-limit`).
        public var rateLimit = 0
        /// Seconds a source over the rate limit is dropped.
        public var rateBan = 10.0
        /// Failed authentications per minute per source or user before a ban; 0: none
        /// (`--auth-fail-limit`).
        public var authFailLimit = 10
        /// Seconds a source or user is refused after reaching the limit (`--auth-ban`).
        public var authBan = 300.0
        /// The most bindings held; further registrations get 503.
        public var maximumBindings = 1_000_000
        /// The most transactions per worker; further requests get 503.
        public var maximumTransactions = 200_000
        /// The most keys in each defence table (rate counters, bans).
        public var maximumSources = 100_000
        /// Each request's outcome (`-d`).
        public var log: (@Sendable (String) -> Void)?
        /// The SIP trace (`-d`).
        public var trace: (@Sendable (String) -> Void)?
        /// Security events, always logged (see ``SecurityEvent``): failed authentication,
        /// bans, rate limiting. A fail2ban filter matches these lines (`contrib/fail2ban/`).
        public var security: (@Sendable (String) -> Void)?
        /// Runs once on each worker's thread before the worker starts (the executable reserves
        /// allocator memory for the thread there; see `AllocatorTuning`). A server started on a
        /// caller's transport and loop does not run it.
        public var prepareWorkerThread: (@Sendable () -> Void)?
        /// Creates the defaults.
        public init() {}
    }

    /// What it was started with.
    public let options: Options
    /// The addresses it listens on (real ports).
    public let listening: [SIPDestination]
    let state: ServerState
    let workers: [ServerWorker]
    /// Closes the sockets (or the injected transport).
    private let closeNetwork: @Sendable () async -> Void
    /// The workers' threads, when the server made them.
    private let group: MultiThreadedEventLoopGroup?

    private init(options: Options, listening: [SIPDestination], state: ServerState, workers: [ServerWorker],
                 closeNetwork: @escaping @Sendable () async -> Void, group: MultiThreadedEventLoopGroup?) {
        self.options = options
        self.listening = listening
        self.state = state
        self.workers = workers
        self.closeNetwork = closeNetwork
        self.group = group
    }

    /// Binds the listeners and starts serving.
    /// - Parameters:
    ///   - advertisedHost: the host put in Via and Record-Route when listening on a wildcard
    ///     address (default: the first listener's host).
    /// - Throws: ``ServerError`` naming the address that could not be bound.
    public static func start(_ options: Options, transport: TransportOptions, advertisedHost: String? = nil) async throws(ServerError) -> SIPServer {
        let count = max(1, options.workers)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: count)
        let loops = (0..<count).map { _ in group.next() }
        let network: ServerNetwork
        do {
            network = try await ServerNetwork.bind(transport, loops: loops)
        } catch {
            try? await group.shutdownGracefully()
            throw ServerError("cannot listen: \(error)")
        }
        let first = network.listening[0]
        let host = first.host == "0.0.0.0" || first.host == "::" ? (advertisedHost ?? "127.0.0.1") : first.host
        let advertised = SIPDestination(kind: first.kind, host: host, port: first.port)
        let state = ServerState(options: options, listening: network.listening, advertised: advertised, now: Self.uptime(loops[0]))
        let workers = loops.enumerated().map { index, loop in ServerWorker(index: index, eventLoop: loop, advertised: advertised, state: state) }
        if let prepare = options.prepareWorkerThread {
            for loop in loops { loop.execute(prepare) }
        }
        network.attach(workers)
        for worker in workers { worker.start() }
        return SIPServer(options: options, listening: network.listening, state: state, workers: workers,
                         closeNetwork: { await network.close() }, group: group)
    }

    /// Serves with one worker over a transport the caller made, on `eventLoop`: the
    /// virtual-time tests run the registrar and proxy over a `LoopbackTransport` on a loop whose
    /// clock they drive. The server owns the transport from now on (``close()`` closes it).
    /// The per-source rate limit lives in the socket layer, so it does not apply here.
    public static func start(_ options: Options, on transport: any SIPTransport, eventLoop: any EventLoop) -> SIPServer {
        let advertised = transport.listening[0]
        let state = ServerState(options: options, listening: transport.listening, advertised: advertised, now: uptime(eventLoop))
        let worker = ServerWorker(index: 0, eventLoop: eventLoop, advertised: advertised, state: state)
        worker.stack.transmit = { [unowned worker] message, destination, transaction in
            transport.send(message, to: destination) { error in
                guard error != nil, let transaction else { return }
                eventLoop.execute { worker.stack.transportFailed(transaction) }
            }
        }
        transport.setReceiver { [weak worker] inbound in
            eventLoop.execute { [weak worker] in worker?.receive(inbound.message, from: inbound.source) }
        }
        worker.start()
        return SIPServer(options: options, listening: transport.listening, state: state, workers: [worker],
                         closeNetwork: { await transport.close() }, group: nil)
    }

    static func uptime(_ loop: any EventLoop) -> Double { Double(loop.now.uptimeNanoseconds) / 1e9 }

    /// Stops listening and the workers.
    public func close() async {
        await closeNetwork()
        for worker in workers { worker.stop() }
        options.store?.flush()
        try? await group?.shutdownGracefully()
    }

    /// Requests answered with a final response (by this server or relayed).
    public var handled: Int { state.counters.finalResponses.load(ordering: .relaxed) }

    /// Counters now, and table sizes as of each worker's last timer-wheel step (about a second old at most).
    public func statistics() -> ServerStatistics {
        var statistics = state.statistics()
        for worker in workers {
            statistics.transactions += worker.gauges.transactions.load(ordering: .relaxed)
            statistics.proxyContexts += worker.gauges.contexts.load(ordering: .relaxed)
        }
        statistics.workers = workers.count
        return statistics
    }
}

/// What a server has done and holds (for `--metrics` and tests).
public struct ServerStatistics: Sendable, Hashable {
    /// Requests received (after the rate limit).
    public var requests = 0
    /// Final responses sent upstream.
    public var finalResponses = 0
    /// Requests dropped by the rate limit.
    public var rateLimited = 0
    /// Failed authentications.
    public var authenticationFailures = 0
    /// Requests refused because their source or user was banned.
    public var authenticationRefused = 0
    /// Datagrams that did not parse.
    public var malformed = 0
    /// Requests refused because a table was full.
    public var overloaded = 0
    /// Bindings held.
    public var bindings = 0
    /// Transactions alive.
    public var transactions = 0
    /// Proxied requests waiting for responses.
    public var proxyContexts = 0
    /// Workers (event loops doing SIP work).
    public var workers = 0
}

/// A server set-up error, one line.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
