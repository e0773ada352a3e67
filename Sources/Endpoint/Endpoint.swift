import CallMedia
public import MediaCore
import NIOCore
import RTPSession
import SIPCore
import SIPDialog
import SIPResolver
import SIPTransport
import Synchronization

/// A SIP endpoint that hosts any number of calls — outgoing and incoming, each a ``Call`` with its
/// own graph — beside its registration and message sessions. The only place where SIP and media
/// meet (DESIGN.md §1, §8).
///
/// Everything it keeps lives on one event loop (``EndpointRuntime/eventLoop``): the user agent's
/// hooks, every call's state machine and timers. Its public methods may be called from anywhere.
///
/// ```swift
/// let endpoint = try Endpoint(options, registry: registry, runtime: .production(transport: transport))
/// let call = try await endpoint.dial(try NameAddress.parse("sip:bob@example.com"))
/// for await event in call.events { print(event) }      // .state(.active), .media(…), …
/// await call.hold()
/// await call.hangUp()
/// ```
public final class Endpoint: @unchecked Sendable {
    /// The options it runs with.
    public let options: CallerOptions
    /// Everything that happens, in order (what `callwire` prints). Ends after ``close()``.
    public let events: AsyncStream<CallerEvent>
    let eventSink: AsyncStream<CallerEvent>.Continuation
    let runtime: EndpointRuntime
    let agent: SIPUserAgent
    let resolver: SIPResolver
    let registry: NodeRegistry
    /// The call pipeline (nil for a message-only job).
    let pipeline: CallPipeline?
    /// How calls' media is encrypted (`--srtp`, `--srtp-keying`, `--dtls-cert`).
    let security: CallSecurity
    let lineEnding: String
    var eventLoop: any EventLoop { runtime.eventLoop }

    // MARK: Confined to the event loop
    /// Live calls by Call-ID.
    var calls: [String: Call] = [:]
    /// Calls placed or accepted so far (numbers the next one).
    var callCount = 0
    var closing = false
    /// Who is told when a call ends (the ``Caller`` job).
    var callEndedHandlers: [@Sendable (Call) -> Void] = []
    /// The MESSAGE session typed lines go to, if any.
    var messages: MessageSession?
    /// MESSAGEs received.
    var messagesReceived = 0
    /// BYEs and CANCELs sent and not yet answered: closing waits for them (a peer that gets
    /// no answer to its 200 sees the connection reset).
    var requestsInFlight = 0
    private var idleWaiters: [EventLoopPromise<Void>] = []
    /// CRLF keep-alives on the registration's TCP/TLS flow (RFC 5626), and `--options-ping`.
    var flowKeepAlive: FlowKeepAlive?
    var pinger: OptionsPinger?
    /// The registration, sent again when its flow fails.
    weak var registration: Registration?
    /// The bindings of a range of users (``register(users:parallel:)``), one per user.
    var userRegistrations: [Registration] = []

    /// Checks the options and the pipeline (before any SIP is sent) and starts the user agent on
    /// `runtime`'s transport.
    /// - Throws: ``CallerError`` — usage, or a pipeline error.
    public init(_ options: CallerOptions, registry: NodeRegistry, runtime: EndpointRuntime) throws(CallerError) {
        try options.validate()
        self.options = options
        self.runtime = runtime
        security = try CallSecurity(options)
        self.registry = registry
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
        // Requests go out on the first `--transport` (a loopback transport listens on every kind).
        let bound = runtime.transport.listening.first { $0.kind == options.transports.first } ?? runtime.transport.listening[0]
        let advertised = SIPDestination(kind: bound.kind, host: options.advertisedAddress, port: bound.port)
        let stack = SIPStack(transport: runtime.transport, eventLoop: runtime.eventLoop, advertised: advertised)
        let sink = eventSink
        if options.verbose && !options.quiet { stack.trace = { sink.yield(.log(level: .debug, text: $0)) } }
        if options.reportSIPMessages {
            let loop = runtime.eventLoop, start = runtime.eventLoop.now
            stack.observer = { message, sent, remote in
                let at = Double((loop.now - start).nanoseconds) / 1e9
                sink.yield(.sipMessage(SIPMessageRecord(message, sent: sent, local: advertised, remote: remote, at: at)))
            }
        }
        resolver = SIPResolver(lookup: CAresLookup(servers: options.nameserver), transports: Set(options.transports))
        let link = EndpointLink()
        agent = SIPUserAgent(stack: stack, options: Self.agentOptions(options, link: link))
        link.endpoint = self
        agent.onEvent { [weak self] event in self?.agentEvent(event) }
        runtime.transport.setKeepAliveReceiver { [weak self] flow in self?.pongReceived(from: flow) }
    }

    private static func agentOptions(_ options: CallerOptions, link: EndpointLink) -> SIPUserAgent.Options {
        var agentOptions = SIPUserAgent.Options(user: options.user)
        agentOptions.admit = { call in
            guard let endpoint = link.endpoint else { return 503 }
            return endpoint.admit(call)
        }
        agentOptions.answer = { call, body in link.endpoint?.answerBody(call, offer: body) }
        agentOptions.ackBody = { call, response in link.endpoint?.ackBody(call, response: response) }
        agentOptions.modify = { call, request in link.endpoint?.modify(call, request) ?? .reject(status: 500, warning: nil) }
        agentOptions.ackAnswer = { call, body in link.endpoint?.ackAnswer(call, body: body) }
        agentOptions.info = { call, request in link.endpoint?.info(call, request) ?? 500 }
        agentOptions.refer = { call, request in link.endpoint?.referred(call, request) ?? ReferReply(status: 500) }
        agentOptions.notify = { call, request in link.endpoint?.notified(call, request) ?? 481 }
        agentOptions.refreshOffer = { call in link.endpoint?.refreshOffer(call) }
        agentOptions.refreshAnswer = { call, body in link.endpoint?.refreshAnswer(call, body: body) }
        agentOptions.reliableProvisionals = options.reliableProvisionals
        agentOptions.sessionTimer = SessionTimerPolicy(expires: options.sessionExpires)
        agentOptions.message = { request in link.endpoint?.message(request) ?? 503 }
        agentOptions.product = options.userAgent
        agentOptions.subject = options.subject
        agentOptions.fixNAT = options.fixNAT
        agentOptions.strictRoute = options.strictRoute
        if !options.proxy.isEmpty { agentOptions.outboundProxy = try? SIPURI.parse("sip:" + options.proxy) }
        if !options.authUser.isEmpty && !options.authPass.isEmpty {
            agentOptions.credentials = DigestClient(username: options.authUser, password: options.authPass)
        }
        agentOptions.userPassword = options.userPassword
        switch options.autoRespond {
        case 200...299: agentOptions.answering = .accept(after: .milliseconds(Int(options.autoRespondAfter * 1_000)))
        case 0: agentOptions.answering = .ring
        default: agentOptions.answering = .reject(status: options.autoRespond)
        }
        return agentOptions
    }

    /// Reports an event (thread-safe).
    func report(_ event: CallerEvent) { eventSink.yield(event) }

    /// `sip:user@domain`, our From.
    var localAddress: NameAddress { NameAddress(uri: options.addressOfRecord) }

    /// The host RTP binds to: `--int-ip`.
    var rtpHost: String { options.intIP }

    /// The calls that have not ended, oldest first.
    public var liveCalls: [Call] {
        get async { (try? await eventLoop.submit { [self] in sortedCalls }.get()) ?? [] }
    }

    var sortedCalls: [Call] { calls.values.sorted { $0.number < $1.number } }

    /// The call numbered `number` (1, 2, … in the order calls began), if it has not ended.
    public func call(number: Int) async -> Call? { await liveCalls.first { $0.number == number } }

    /// Calls `handler` on the loop whenever a call has closed (``Call/failure`` says why an
    /// outgoing call failed).
    public func onCallEnded(_ handler: @escaping @Sendable (Call) -> Void) {
        eventLoop.execute { [self] in callEndedHandlers.append(handler) }
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

    /// Ends every call (BYE, CANCEL or 480, each waited for at most `limit`), finalizes media.
    /// The event stream stays open (the ``Caller`` ends it).
    public func closeCalls(limit: Duration = .seconds(5)) async {
        let live = (try? await eventLoop.submit { [self] () -> [Call] in
            closing = true
            flowKeepAlive?.stop()
            pinger?.stop()
            return sortedCalls
        }.get()) ?? []
        await withTaskGroup(of: Void.self) { group in
            for call in live {
                group.addTask { await call.hangUp(limit: limit) }
            }
        }
        await requestsAnswered(limit: limit)
    }

    /// A BYE or CANCEL got its answer (or timed out).
    func requestDone() {
        requestsInFlight -= 1
        guard requestsInFlight == 0 else { return }
        for waiter in idleWaiters { waiter.succeed() }
        idleWaiters = []
    }

    /// Waits until every BYE and CANCEL sent is answered, at most `limit`.
    private func requestsAnswered(limit: Duration) async {
        let loop = eventLoop
        let future = loop.flatSubmit { [self] () -> EventLoopFuture<Void> in
            guard requestsInFlight > 0 else { return loop.makeSucceededFuture(()) }
            let promise = loop.makePromise(of: Void.self)
            idleWaiters.append(promise)
            let timer = loop.scheduleTask(in: .nanoseconds(limit.components.seconds * 1_000_000_000
                                                             + limit.components.attoseconds / 1_000_000_000)) { promise.succeed() }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            return promise.futureResult
        }
        try? await future.get()
    }
}

/// Lets the user agent's hooks reach the endpoint, which is made after the agent.
final class EndpointLink: @unchecked Sendable {
    weak var endpoint: Endpoint?
}
