public import MediaCore
import CallMedia
import Foundation
import NIOPosix
import RTPSession
import SIPCore
import SIPDialog
import SIPResolver
public import SIPTransport
import Synchronization

/// The endpoint of the rtclite caller manual: it registers, calls or messages `--to`, answers
/// calls and messages in listen mode, and runs a pipeline per call. The only place where SIP
/// and media meet (DESIGN.md §1).
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
    public let options: CallerOptions
    /// Everything that happens, in order. Ends after ``close()``.
    public let events: AsyncStream<CallerEvent>
    let eventSink: AsyncStream<CallerEvent>.Continuation
    let transport: SIPNetworkTransport
    let agent: SIPUserAgent
    let resolver: SIPResolver
    let pipeline: CallPipeline?
    /// How calls' media is encrypted (`--srtp`).
    let security: CallSecurity
    let lineEnding: String
    let state = Mutex(State())
    let counters = Mutex(Counters())
    /// Call events, handled one at a time in order (a BYE right after the ACK must not stop
    /// media that has not started yet).
    let work: AsyncStream<SIPUserAgent.Event>.Continuation

    struct State {
        var registration: Registration?
        var media: [String: CallMediaSession] = [:]
        var calls: [String: SIPUserAgent.Call] = [:]
        /// Answers prepared for incoming offers, by Call-ID.
        var answers: [String: [UInt8]] = [:]
        var outgoing: SIPUserAgent.Call?
        var messages: MessageSession?
        var spare: RTPSession?
        var exitStatus: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
        var inputEnded = false
        /// Lines typed before the job started, replayed once it has.
        var pendingInput: [String] = []
        var started = false
        var messagesInFlight = 0
        var closing = false
    }

    struct Counters {
        var calls = 0, messagesReceived = 0
    }

    /// Checks the options and the pipeline, then starts listening. Nothing is sent yet.
    /// - Throws: ``CallerError`` — usage, a pipeline error (before any SIP), or a listener that
    ///   could not start.
    public init(_ options: CallerOptions, registry: NodeRegistry) async throws(CallerError) {
        try options.validate()
        self.options = options
        security = try CallSecurity(options)
        (events, eventSink) = AsyncStream.makeStream(of: CallerEvent.self, bufferingPolicy: .unbounded)
        lineEnding = options.useLF ? "\n" : "\r\n"
        // The pipeline is checked before any SIP is sent (DESIGN.md §4); a message-only run needs none.
        let needsMedia = (options.to != nil && options.send.isEmpty) || options.listen || (options.register && options.to == nil)
        if needsMedia {
            let text = options.pipeline ?? ShippedPipelines.text(for: options)
            let name = options.pipeline == nil ? "<pipeline from the media options>" : options.pipelineName
            do {
                pipeline = try CallPipeline(text: text, file: name, registry: registry)
            } catch {
                throw .media(error.diagnostics.map(\.description).joined(separator: "\n"))
            }
            if pipeline?.capabilities().isEmpty ?? true {
                throw .media("\(name): the pipeline has no @encoder/@decoder slots any installed codec fits")
            }
        } else {
            pipeline = nil
        }
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
        let sink = eventSink
        transportOptions.log = { sink.yield(.log(level: .warning, text: $0)) }
        do {
            transport = try await SIPNetworkTransport.start(transportOptions)
        } catch {
            throw .network("cannot listen on \(options.intIP):\(options.port): \(error)")
        }
        let bound = transport.listening[0]
        let advertised = SIPDestination(kind: bound.kind, host: options.advertisedAddress, port: bound.port)
        let stack = SIPStack(transport: transport, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), advertised: advertised)
        if options.verbose && !options.quiet { stack.trace = { sink.yield(.log(level: .debug, text: $0)) } }
        resolver = SIPResolver(lookup: CAresLookup(servers: options.nameserver), transports: Set(options.transports))
        let (workStream, work) = AsyncStream.makeStream(of: SIPUserAgent.Event.self, bufferingPolicy: .unbounded)
        self.work = work
        let link = CallerLink()
        agent = SIPUserAgent(stack: stack, options: Self.agentOptions(options, link: link))
        for listener in transport.listening {
            eventSink.yield(.listening(transport: listener.kind.rawValue, address: listener.hostPort))
        }
        link.caller = self
        agent.onEvent { event in work.yield(event) }
        Task { [weak self] in
            for await event in workStream { await self?.process(event) }
        }
        if pipeline != nil { await refillSpare() }
    }

    private static func agentOptions(_ options: CallerOptions, link: CallerLink) -> SIPUserAgent.Options {
        var agentOptions = SIPUserAgent.Options(user: options.user)
        agentOptions.admit = { call in
            guard let caller = link.caller else { return 503 }
            return caller.admit(call)
        }
        agentOptions.answer = { call, body in link.caller?.answer(call, body: body) }
        agentOptions.ackBody = { call, response in link.caller?.ackBody(call, response: response) }
        agentOptions.message = { request in link.caller?.message(request) ?? 503 }
        agentOptions.product = options.userAgent
        agentOptions.subject = options.subject
        agentOptions.fixNAT = options.fixNAT
        agentOptions.strictRoute = options.strictRoute
        if !options.proxy.isEmpty { agentOptions.outboundProxy = try? SIPURI.parse("sip:" + options.proxy) }
        if !options.authUser.isEmpty && !options.authPass.isEmpty {
            agentOptions.credentials = DigestClient(username: options.authUser, password: options.authPass)
        }
        switch options.autoRespond {
        case 200...299: agentOptions.answering = .accept(after: .milliseconds(Int(options.autoRespondAfter * 1_000)))
        case 0: agentOptions.answering = .ring
        default: agentOptions.answering = .reject(status: options.autoRespond)
        }
        return agentOptions
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
            let registration = makeRegistration()
            state.withLock { $0.registration = registration }
            let first = await registration.register()
            if case .failed(let status, let reason) = first, status == 401 || status == 407 || status == 403 {
                finish(CallerError.failure(status: 401, reason: reason).exitStatus,
                       because: "registration refused: \(status) \(reason) — check --authuser and --authpass")
                return
            }
        }
        guard let to = options.to else { return }
        if options.send.isEmpty {
            await placeCall(to: to)
        } else {
            let session = MessageSession(agent: agent, target: options.uri ?? to.uri, to: to, from: localAddress,
                                         locate: { [self] uri throws(CallerError) in try await destinations(for: uri) },
                                         report: report)
            state.withLock {
                $0.messages = session
                $0.messagesInFlight += 1
            }
            await sendMessage(options.send, first: true, counted: true)
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
        let (calls, registration, first) = state.withLock { s -> ([SIPUserAgent.Call], Registration?, Bool) in
            defer { s.closing = true }
            return (Array(s.calls.values), s.registration, !s.closing)
        }
        guard first else { return }
        await withTaskGroup(of: Void.self) { group in
            for call in calls {
                group.addTask { [self] in
                    await withTimeout(.seconds(5)) { await self.agent.hangUp(call) }
                    await stopMedia(call.callID)
                }
            }
        }
        await registration?.unregister()
        let spare = state.withLock { s -> RTPSession? in
            defer { s.spare = nil }
            return s.spare
        }
        await spare?.close()
        work.finish()
        finish(0, because: nil)
        let status = state.withLock { $0.exitStatus } ?? 0
        let totals = counters.withLock { $0 }
        let sent = state.withLock { $0.messages?.sent.load(ordering: .relaxed) } ?? 0
        eventSink.yield(.summary(exitStatus: status, calls: totals.calls, messagesSent: sent,
                                 messagesReceived: totals.messagesReceived))
        eventSink.finish()
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
        if decided, let reason, status != 0 { report(.log(level: .error, text: reason)) }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    func report(_ event: CallerEvent) { eventSink.yield(event) }

    /// `sip:user@domain`, our From.
    var localAddress: NameAddress { NameAddress(uri: options.addressOfRecord) }

    private func makeRegistration() -> Registration {
        let registrar = { () -> SIPURI in
            var uri = options.addressOfRecord
            uri.user = nil
            return uri
        }()
        let contact = agent.contact(kind: agent.stack.advertised.kind)
        return Registration(agent: agent, registrar: registrar, aor: localAddress, contact: contact,
                            interval: options.registerInterval, retryInterval: options.retryInterval,
                            locate: { [self] () throws(CallerError) in try await destinations(for: registrar) },
                            report: report)
    }

    /// The next hops for `uri`: the outbound proxy if there is one, else RFC 3263 for the URI.
    /// `localhost` is 127.0.0.1 without DNS (RFC 6761 §6.3).
    func destinations(for uri: SIPURI) async throws(CallerError) -> [SIPDestination] {
        var target = uri
        if !options.proxy.isEmpty {
            guard let proxy = try? SIPURI.parse("sip:" + options.proxy) else { throw .usage("--proxy must be host[:port], got '\(options.proxy)'") }
            target = proxy
        }
        if target.host.lowercased() == "localhost" { target.host = "127.0.0.1" }
        let kind = agent.stack.advertised.kind
        if let numeric = SIPUserAgent.numericDestination(target, kind: kind) { return [numeric] }
        do {
            return try await resolver.resolve(target)
        } catch {
            throw .network("cannot resolve \(target.host): \(error)")
        }
    }

    /// Binds an RTP session ahead of the next incoming call, so answering never waits for it.
    func refillSpare() async {
        guard state.withLock({ $0.spare == nil && !$0.closing }) else { return }
        do {
            let session = try await CallSecurity.bindSession(host: options.intIP == "0.0.0.0" ? "0.0.0.0" : options.intIP,
                                                             ports: 16_384...32_766)
            let unused = state.withLock { s -> RTPSession? in
                if s.spare == nil && !s.closing {
                    s.spare = session
                    return nil
                }
                return session
            }
            await unused?.close()
        } catch {
            report(.log(level: .error, text: "cannot bind an RTP port pair: \(error)"))
        }
    }

    func stopMedia(_ callID: String) async {
        guard let media = state.withLock({ $0.media.removeValue(forKey: callID) }) else { return }
        await media.stop(recording: options.record)
    }
}

/// Lets the user agent's hooks reach the caller, which is made after the agent.
final class CallerLink: @unchecked Sendable {
    weak var caller: Caller?
}

/// Runs `body`, giving up waiting after `limit`; the work itself is left to finish on its own
/// (a BYE to a dead peer runs to Timer F, but the caller does not wait for it).
/// - Returns: the body's result, or nil when the limit came first.
@discardableResult
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
    await withCheckedContinuation { continuation in
        let first = ResumeOnce(continuation)
        Task {
            first.resume(returning: await body())
        }
        Task {
            try? await Task.sleep(for: limit)
            first.resume(returning: nil)
        }
    }
}

/// A continuation resumed by whichever side comes first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T?, Never>?>
    init(_ continuation: CheckedContinuation<T?, Never>) { self.continuation = Mutex(continuation) }
    func resume(returning value: T?) { continuation.withLock { $0.take() }?.resume(returning: value) }
}
