public import MediaCore
import NIOCore
import SIPCore
import SIPDialog
public import SIPTransport
import Synchronization

/// The endpoint of the rtclite caller manual, as a job: it registers, calls or messages `--to`,
/// answers calls and messages in listen mode, and ends with an exit status. A seed-shaped façade
/// over an ``Endpoint``, which hosts the calls themselves.
///
/// ```swift
/// let caller = try await Caller(options, registry: registry)
/// Task { for await event in caller.events { print(event) } }
/// await caller.start()
/// let status = await caller.wait()     // 0 when the job succeeded
/// await caller.close()                 // BYE/CANCEL, unREGISTER, recordings finalized
/// ```
public final class Caller: @unchecked Sendable {
    /// The options it runs with.
    public var options: CallerOptions { endpoint.options }
    /// The endpoint that hosts the calls.
    public let endpoint: Endpoint
    /// Everything that happens, in order. Ends after ``close()``.
    public var events: AsyncStream<CallerEvent> { endpoint.events }
    let transport: any SIPTransport
    let state = Mutex(State())
    /// Typed lines, handled in order by ``lineTask`` (which ``close()`` ends and awaits).
    let lines: AsyncStream<String>.Continuation
    private let lineTask = Mutex<Task<Void, Never>?>(nil)

    struct State {
        var registration: Registration?
        var exitStatus: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
        var inputEnded = false
        /// Lines typed before the job started, replayed once it has.
        var pendingInput: [String] = []
        var started = false
        var linesInFlight = 0
        var messagesInFlight = 0
        var closing = false
        var calls = 0
    }

    /// Checks the options and the pipeline, then starts listening on the network. Nothing is
    /// sent yet.
    /// - Throws: ``CallerError`` — usage, a pipeline error (before any SIP), or a listener that
    ///   could not start.
    public convenience init(_ options: CallerOptions, registry: NodeRegistry) async throws(CallerError) {
        try options.validate()
        // Listeners: TLS on port+1 when it shares the port number with other transports (seed).
        var transportOptions = TransportOptions(listeners: options.transports.map { kind in
            let port = kind == .tls && options.transports.count > 1 && options.port != 0 ? options.port + 1 : options.port
            return .init(kind: kind, host: options.intIP, port: port)
        })
        transportOptions.maximumSize = options.maxSize
        transportOptions.listenQueue = options.listenQueue
        transportOptions.lineEnding = options.useLF ? .lf : .crlf
        transportOptions.tlsCertificate = options.tlsCertificate
        transportOptions.tlsKey = options.tlsKey
        transportOptions.tlsTrustedCAs = options.tlsCA
        let warnings = TransportWarnings()
        transportOptions.log = { warnings.forward($0) }
        let transport: SIPNetworkTransport
        do {
            transport = try await SIPNetworkTransport.start(transportOptions)
        } catch {
            throw .network("cannot listen on \(options.intIP):\(options.port): \(error)")
        }
        do {
            try self.init(options, registry: registry, runtime: .production(transport: transport))
        } catch {
            await transport.close()
            throw error
        }
        warnings.endpoint = endpoint
    }

    /// A caller on an injected runtime (tests: loopback SIP and RTP on virtual time).
    public init(_ options: CallerOptions, registry: NodeRegistry, runtime: EndpointRuntime) throws(CallerError) {
        endpoint = try Endpoint(options, registry: registry, runtime: runtime)
        transport = runtime.transport
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
        lines = continuation
        lineTask.withLock { $0 = Task { [weak self] in await self?.handleLines(stream) } }
        for listener in transport.listening {
            endpoint.report(.listening(transport: listener.kind.rawValue, address: listener.hostPort))
        }
        endpoint.onCallEnded { [weak self] call in self?.callEnded(call) }
    }

    /// The address bound for `kind` (the real port when `--port 0`).
    public func listeningAddress(_ kind: SIPTransportKind? = nil) -> String {
        (transport.listening.first { kind == nil || $0.kind == kind } ?? transport.listening[0]).hostPort
    }

    /// Starts the job: REGISTER (and waits for its first answer when a request follows), then
    /// the call or the MESSAGE. Returns once they are under way.
    public func start() async {
        defer {
            let pending = state.withLock { s -> [String] in
                s.started = true
                defer { s.pendingInput = [] }
                return s.pendingInput
            }
            for line in pending { input(line) }
            if state.withLock({ $0.inputEnded }) { inputEnded() }
        }
        if options.register {
            let registration = endpoint.makeRegistration()
            state.withLock { $0.registration = registration }
            let first = await registration.register()
            if case .failed(let status, let reason) = first, status == 401 || status == 407 || status == 403 {
                finish(CallerError.failure(status: 401, reason: reason).exitStatus,
                       because: "registration refused: \(status) \(reason) — check --authuser and --authpass")
                return
            }
        }
        await endpoint.startOptionsPing()
        guard let to = options.to else { return }
        if options.send.isEmpty {
            do {
                _ = try await endpoint.dial(to, uri: options.uri)
                state.withLock { $0.calls += 1 }
            } catch {
                finish(error.exitStatus, because: error.description)
            }
        } else {
            await endpoint.startMessages(to: to, uri: options.uri)
            await sendMessage(options.send, first: true)
        }
    }

    /// An outgoing job call ended: the job is done (unless listening), failed if it never
    /// got answered. Called on the endpoint's loop.
    private func callEnded(_ call: Call) {
        if call.direction == .incoming { state.withLock { $0.calls += 1 } }
        guard call.direction == .outgoing || call.continuesJob, !options.listen else { return }
        // Transferred or replaced: the job goes on in the call that took its place.
        if let successor = call.successor, successor.machine.state.isLive { return }
        if let (status, reason) = call.failure {
            let error = CallerError.failure(status: status, reason: reason)
            finish(error.exitStatus, because: "call to \(options.uri ?? options.to?.uri ?? SIPURI(host: "?")) failed: \(error)")
        } else {
            finish(0, because: nil)
        }
    }

    /// Waits until the job is done (the call ended, the messages were sent, or ``close()``)
    /// and returns the exit status: 0 on success, else a ``CallerError/exitStatus``.
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            state.withLock { s in
                if let status = s.exitStatus { continuation.resume(returning: status) } else { s.waiters.append(continuation) }
            }
        }
    }

    /// Ends everything in order, each step with a bounded wait: calls hung up (BYE, CANCEL or
    /// 480), recordings finalized, the binding removed, listeners closed.
    public func close() async {
        let (registration, first) = state.withLock { s -> (Registration?, Bool) in
            defer { s.closing = true }
            return (s.registration, !s.closing)
        }
        guard first else { return }
        lines.finish()
        await lineTask.withLock({ $0 })?.value
        await endpoint.closeCalls()
        await registration?.unregister()
        await endpoint.unregisterUsers()
        finish(0, because: nil)
        let (status, calls) = state.withLock { ($0.exitStatus ?? 0, $0.calls) }
        let (sent, received) = await endpoint.messageCounts()
        endpoint.report(.summary(exitStatus: status, calls: calls, messagesSent: sent, messagesReceived: received))
        endpoint.eventSink.finish()
        await transport.close()
    }

    /// Records the job's result (the first one wins) and wakes ``wait()``.
    func finish(_ status: Int32, because reason: String?) {
        let (decided, waiters) = state.withLock { s -> (Bool, [CheckedContinuation<Int32, Never>]) in
            guard s.exitStatus == nil else { return (false, []) }
            s.exitStatus = status
            defer { s.waiters = [] }
            return (true, s.waiters)
        }
        if decided, let reason, status != 0 { endpoint.report(.log(level: .error, text: reason)) }
        for waiter in waiters { waiter.resume(returning: status) }
    }
}

/// Transport warnings arrive before the endpoint exists; they are reported once it does.
private final class TransportWarnings: @unchecked Sendable {
    private let lock = Mutex<[String]>([])
    weak var endpoint: Endpoint? {
        didSet { for text in lock.withLock({ $0 }) { endpoint?.report(.log(level: .warning, text: text)) } }
    }

    func forward(_ text: String) {
        if let endpoint { endpoint.report(.log(level: .warning, text: text)) } else { lock.withLock { $0.append(text) } }
    }
}
