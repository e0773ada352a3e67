public import NIOCore
public import SIPCore
public import SIPTransaction
public import SIPTransport

/// The runtime of one SIP endpoint: a transport, the transaction layer, and real timers.
///
/// Everything the transaction layer does runs on one event loop, so the layer needs no locks;
/// its timers are event-loop tasks. Requests are sent with a fresh branch and `rport` in a Via
/// naming the advertised address (RFC 3261 §18.1.1, RFC 3581); responses go back where the
/// request came from — the same connection, or the source address and port (§18.2.2).
public final class SIPStack: @unchecked Sendable {
    /// What happens to a request this side sent.
    public enum ClientEvent: Sendable {
        /// A response (provisional or final).
        case response(SIPMessage)
        /// No final response in time (Timer B or F): act as on 408.
        case timedOut
        /// The transport failed: act as on 503.
        case transportFailed(String)
    }

    /// A request received, with what is needed to answer it.
    public struct ServerRequest: Sendable {
        /// The request.
        public let message: SIPMessage
        /// Where it came from.
        public let source: SIPDestination
        /// Its server transaction.
        public let transaction: TransactionID
    }

    /// The transport.
    public let transport: any SIPTransport
    /// The loop the stack runs on.
    public let eventLoop: any EventLoop
    /// The address put in Via and Contact: `--ext-ip` or the listening address, and the real port.
    public let advertised: SIPDestination
    /// A log of messages sent and received (`-v` SIP trace), SDES keys masked (``SIPTraceRedaction``).
    public var trace: (@Sendable (String) -> Void)?
    /// Every message as it is sent (`true`) or received (`false`), with the far address: what
    /// structured traces and ladder diagrams are made from. Called on the stack's loop.
    public var observer: (@Sendable (SIPMessage, Bool, SIPDestination) -> Void)?

    private var layer: TransactionLayer
    private var timers: [TimerKey: Scheduled<Void>] = [:]
    private var clientHandlers: [TransactionID: @Sendable (ClientEvent) -> Void] = [:]
    private var destinations: [TransactionID: SIPDestination] = [:]
    private var transportErrors: [TransactionID: String] = [:]
    private var requestHandler: (@Sendable (ServerRequest) -> Void)?
    private var ackHandler: (@Sendable (SIPMessage, SIPDestination) -> Void)?
    private var strayHandler: (@Sendable (SIPMessage) -> Void)?

    struct TimerKey: Hashable {
        var id: TransactionID
        var timer: TransactionTimer
    }

    /// Creates a stack on `transport`. Call ``start()`` when the handlers are set.
    public init(transport: any SIPTransport, eventLoop: any EventLoop, advertised: SIPDestination, timers: SIPTimers = SIPTimers()) {
        self.transport = transport
        self.eventLoop = eventLoop
        self.advertised = advertised
        layer = TransactionLayer(timers: timers)
    }

    /// Sets the handlers (before ``start()``): new requests, ACKs of 2xx, and responses that
    /// match no transaction (2xx retransmissions the UA core must ACK).
    public func setHandlers(request: @escaping @Sendable (ServerRequest) -> Void,
                            ack: @escaping @Sendable (SIPMessage, SIPDestination) -> Void,
                            stray: @escaping @Sendable (SIPMessage) -> Void) {
        requestHandler = request
        ackHandler = ack
        strayHandler = stray
    }

    /// Starts receiving.
    public func start() {
        transport.setReceiver { [weak self] inbound in
            guard let self else { return }
            self.eventLoop.execute { self.received(inbound) }
        }
    }

    /// The transaction timers in use.
    public var timerValues: SIPTimers { layer.timers }

    // MARK: Sending requests

    /// Sends `request` in a new client transaction to `destination`; `handler` gets its responses
    /// and failures on the stack's loop. The top Via is added here.
    /// - Returns: the request as sent (with its Via), for a later CANCEL.
    @discardableResult
    public func send(_ request: SIPMessage, to destination: SIPDestination,
                     handler: @escaping @Sendable (ClientEvent) -> Void) -> SIPMessage {
        var request = request
        addVia(to: &request, kind: destination.kind, branch: SIPIdentifiers.branch())
        startTransaction(request, to: destination, handler: handler)
        return request
    }

    /// Sends a CANCEL for a pending INVITE (RFC 3261 §9.1): the INVITE's Request-URI, Call-ID,
    /// From, To, CSeq number and top Via (same branch), in its own transaction.
    public func cancel(_ invite: SIPMessage, to destination: SIPDestination, handler: @escaping @Sendable (ClientEvent) -> Void) {
        guard let cancel = SIPMessage.cancel(for: invite) else { return }
        startTransaction(cancel, to: destination, handler: handler)
    }

    /// Starts a client transaction for `request` (its Via already set) on the stack's loop.
    private func startTransaction(_ request: SIPMessage, to destination: SIPDestination,
                                  handler: @escaping @Sendable (ClientEvent) -> Void) {
        eventLoop.execute { [self] in
            do {
                let (id, events) = try layer.send(request, reliable: destination.kind.isReliable)
                clientHandlers[id] = handler
                destinations[id] = destination
                run(events)
            } catch {
                handler(.transportFailed("cannot send \(request.method?.rawValue ?? "the request"): \(error)"))
            }
        }
    }

    /// Sends a message outside any transaction: the ACK of a 2xx (RFC 3261 §13.2.2.4), which
    /// gets a new branch, or a 2xx retransmission by the UAS core.
    public func sendStateless(_ message: SIPMessage, to destination: SIPDestination) {
        var message = message
        if message.isRequest { addVia(to: &message, kind: destination.kind, branch: SIPIdentifiers.branch()) }
        transmit(message, to: destination) { _ in }
    }

    private func addVia(to request: inout SIPMessage, kind: SIPTransportKind, branch: String) {
        request.headers.prepend(.via, "SIP/2.0/\(kind.viaToken) \(advertised.hostPort);branch=\(branch);rport")
    }

    // MARK: Responding

    /// Answers a request within its server transaction.
    public func respond(_ response: SIPMessage, to request: ServerRequest) {
        eventLoop.execute { [self] in run(layer.respond(response, to: request.transaction)) }
    }

    /// Whether the INVITE a CANCEL refers to is still unanswered; returns its transaction.
    public func pendingInvite(cancelledBy cancel: ServerRequest, _ body: @escaping @Sendable (TransactionID?) -> Void) {
        eventLoop.execute { [self] in
            let id = layer.inviteTransaction(cancelledBy: cancel.transaction)
            body(id.flatMap { layer.isPending($0) ? $0 : nil })
        }
    }

    /// Answers within a transaction known by its ID (the INVITE a CANCEL ended: 487).
    public func respond(_ response: SIPMessage, transaction: TransactionID) {
        eventLoop.execute { [self] in run(layer.respond(response, to: transaction)) }
    }

    // MARK: Running the layer

    private func received(_ inbound: SIPInbound) {
        trace?("received from \(inbound.source):\n" + SIPTraceRedaction.masking(String(decoding: inbound.message.serialized(), as: UTF8.self)))
        observer?(inbound.message, false, inbound.source)
        if inbound.message.isRequest {
            let events = layer.receive(inbound.message, reliable: inbound.source.kind.isReliable)
            for event in events {
                if case .request(_, let id) = event { destinations[id] = inbound.source }
                // A response the layer makes itself as the request arrives (482 to a merged
                // request, §8.2.2.2) comes with no .request event: it goes back to the source too.
                if case .send(_, let id) = event, destinations[id] == nil { destinations[id] = inbound.source }
                if case .ack(let ack) = event { ackHandler?(ack, inbound.source) }
            }
            run(events.filter { if case .ack = $0 { false } else { true } }, source: inbound.source)
        } else {
            run(layer.receive(inbound.message, reliable: inbound.source.kind.isReliable))
        }
    }

    private func run(_ events: [TransactionEvent], source: SIPDestination? = nil) {
        for event in events {
            switch event {
            case .send(let message, let id):
                guard let destination = destinations[id] else { continue }
                transmit(message, to: destination) { [weak self] error in
                    guard let error, let self else { return }
                    self.eventLoop.execute {
                        self.transportErrors[id] = "\(error)"
                        self.run(self.layer.transportError(for: id))
                    }
                }
            case .startTimer(let id, let timer, let after):
                let key = TimerKey(id: id, timer: timer)
                timers[key]?.cancel()
                timers[key] = eventLoop.scheduleTask(in: .nanoseconds(Int64(after.components.seconds) * 1_000_000_000
                                                                      + after.components.attoseconds / 1_000_000_000)) { [weak self] in
                    guard let self else { return }
                    self.timers[key] = nil
                    self.run(self.layer.fire(timer, for: id))
                }
            case .cancelTimer(let id, let timer):
                timers.removeValue(forKey: TimerKey(id: id, timer: timer))?.cancel()
            case .request(let message, let id):
                let from = destinations[id] ?? source ?? advertised
                requestHandler?(ServerRequest(message: message, source: from, transaction: id))
            case .ack(let message):
                ackHandler?(message, source ?? advertised)
            case .response(let message, let id):
                clientHandlers[id]?(.response(message))
            case .strayResponse(let message):
                strayHandler?(message)
            case .malformedRequest(let message):
                // A 400 when the request says where to send one (§8.2.6, §16.3 step 1).
                if let reply = BadRequest.response(to: message.serialized(), reason: "Bad Request (missing or invalid headers)"),
                   let response = try? SIPMessage(datagram: reply), let source {
                    transmit(response, to: source) { _ in }
                }
            case .timedOut(let id):
                clientHandlers[id]?(.timedOut)
            case .transportFailed(let id):
                clientHandlers[id]?(.transportFailed(transportErrors[id] ?? "the transport to \(destinations[id]?.description ?? "?") failed"))
            case .terminated(let id):
                clientHandlers[id] = nil
                destinations[id] = nil
                transportErrors[id] = nil
                for timer in TransactionTimer.armable(invite: id.method == .invite, server: id.isServer) {
                    timers.removeValue(forKey: TimerKey(id: id, timer: timer))?.cancel()
                }
            }
        }
    }

    private func transmit(_ message: SIPMessage, to destination: SIPDestination,
                          completion: @escaping @Sendable ((any Error)?) -> Void) {
        trace?("sending to \(destination):\n" + SIPTraceRedaction.masking(String(decoding: message.serialized(), as: UTF8.self)))
        observer?(message, true, destination)
        transport.send(message, to: destination, completion: completion)
    }

    /// How many transactions are alive (for tests and shutdown).
    public func transactionCount() async -> Int {
        await withCheckedContinuation { continuation in
            eventLoop.execute { [self] in continuation.resume(returning: layer.count) }
        }
    }
}
