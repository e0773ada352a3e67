public import SIPCore

/// Identifies a transaction (RFC 3261 §17.1.3 and §17.2.3).
///
/// The fields live in one shared, immutable box, and their hash, computed once, beside it: an
/// ID is copied into every event and table lookup of its transaction, and a server keyed on four
/// separately retained and hashed fields spent more time copying and hashing IDs than parsing
/// (perf, 200 proxied calls/s). Copying is one retain; hashing combines one integer; and a table
/// lookup, which compares the key with each entry it probes, tells IDs with different hashes
/// apart without reading either box (a likely cache miss in a table of tens of thousands).
public struct TransactionID: Hashable, Sendable, CustomStringConvertible {
    private final class Fields: Sendable {
        let branch: String
        let method: SIPMethod
        let sentBy: String?
        let isServer: Bool

        init(branch: String, method: SIPMethod, sentBy: String?, isServer: Bool) {
            self.branch = branch
            self.method = method
            self.sentBy = sentBy
            self.isServer = isServer
        }
    }

    private let fields: Fields
    private let hash: Int

    /// An ID from the fields that identify a transaction.
    init(branch: String, method: SIPMethod, sentBy: String?, isServer: Bool) {
        fields = Fields(branch: branch, method: method, sentBy: sentBy, isServer: isServer)
        var hasher = Hasher()
        hasher.combine(branch)
        hasher.combine(method)
        hasher.combine(sentBy)
        hasher.combine(isServer)
        hash = hasher.finalize()
    }

    /// The top Via branch; for an RFC 2543 peer without the magic cookie, a key made of the
    /// request's identifying fields.
    public var branch: String { fields.branch }
    /// The method (CSeq method; ACK is matched to its INVITE by the layer).
    public var method: SIPMethod { fields.method }
    /// The top Via sent-by, for server transactions (branches are unique per sender only).
    public var sentBy: String? { fields.sentBy }
    /// Whether this side is the server.
    public var isServer: Bool { fields.isServer }

    public static func == (lhs: TransactionID, rhs: TransactionID) -> Bool {
        guard lhs.hash == rhs.hash else { return false }
        let a = lhs.fields, b = rhs.fields
        return a === b || (a.isServer == b.isServer && a.branch == b.branch && a.method == b.method && a.sentBy == b.sentBy)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    public var description: String { "\(isServer ? "server" : "client") \(method.rawValue) \(branch)" }
}

/// What the transaction layer asks of its runtime and tells its user (RFC 3261 §17).
public enum TransactionEvent: Sendable {
    /// Send a message for a transaction (its destination is the runtime's to remember).
    case send(SIPMessage, TransactionID)
    /// Start or restart a transaction timer.
    case startTimer(TransactionID, TransactionTimer, Duration)
    /// Stop a transaction timer.
    case cancelTimer(TransactionID, TransactionTimer)
    /// A new request, with the server transaction created for it (respond through the layer).
    case request(SIPMessage, TransactionID)
    /// An ACK that matches no server transaction: the ACK of a 2xx, for the dialog layer.
    case ack(SIPMessage)
    /// A response for a client transaction.
    case response(SIPMessage, TransactionID)
    /// A response that matches no client transaction (a 2xx retransmission after the INVITE
    /// transaction ended, another fork's 2xx): for the UA core, which ACKs 2xx itself.
    case strayResponse(SIPMessage)
    /// A request that lacks what every request needs (§8.1.1: Via, From, To, Call-ID, CSeq,
    /// all valid); the runtime answers 400 if it can tell where to.
    case malformedRequest(SIPMessage)
    /// A client transaction timed out (act as on 408) or a server INVITE got no ACK.
    case timedOut(TransactionID)
    /// The transport failed for a transaction (act as on 503).
    case transportFailed(TransactionID)
    /// A transaction ended.
    case terminated(TransactionID)
}

/// All transactions of one endpoint: creates them, matches messages to them, runs their state
/// machines. Pure: no sockets and no clocks — the runtime executes the returned events and
/// reports timers as they fire, so tests drive it with virtual time.
public struct TransactionLayer: Sendable {
    /// One transaction of either kind on one side, the INVITE machine or the other one, boxed.
    ///
    /// A machine is about 380 bytes (a request, a response, timer values). Held by value in the
    /// tables, each step copied it out and back, and each removal shifted its neighbours in the
    /// table; boxed, a step changes it where it lies and a table entry is one reference. The
    /// layer stays a value: a step first makes the box unique (``step(_:_:_:_:)``), so copies of
    /// a layer never share a machine that changes. The two boxes are concrete classes: a generic
    /// one looked its type up in the runtime's metadata cache each time one was freed.
    fileprivate protocol Machine: AnyObject {
        associatedtype Invite
        associatedtype Other
        /// Exactly one of the two is set.
        var invite: Invite? { get set }
        var other: Other? { get set }
        init()
    }

    // Sendable by the rule above: a box changes only in `step`, after the uniqueness check.
    fileprivate final class Client: Machine, @unchecked Sendable {
        var invite: InviteClientTransaction?
        var other: NonInviteClientTransaction?
    }

    fileprivate final class Server: Machine, @unchecked Sendable {
        var invite: InviteServerTransaction?
        var other: NonInviteServerTransaction?
    }

    private var clients: [TransactionID: Client] = [:]
    private var servers: [TransactionID: Server] = [:]
    /// For merged-request detection (§8.2.2.2): From tag, Call-ID, CSeq of requests without a To tag.
    private var pendingRequests: [String: TransactionID] = [:]
    /// The key each server transaction holds in `pendingRequests`, so that termination removes
    /// it directly (a scan of the table on every termination made a busy registrar quadratic).
    private var pendingKeys: [TransactionID: String] = [:]
    /// The timer values.
    public var timers: SIPTimers
    /// Whether a request that repeats a pending one's From tag, Call-ID and CSeq on another
    /// branch is answered 482 (§8.2.2.2, a UAS rule). A proxy turns it off: a spiral (§16.3
    /// step 4) reaches it again with the same fields on a new branch, and must be forwarded.
    public let detectsMergedRequests: Bool

    /// Creates an empty layer with these timer values, answering merged requests with 482 unless
    /// `detectsMergedRequests` is false (a proxy).
    public init(timers: SIPTimers = SIPTimers(), detectsMergedRequests: Bool = true) {
        self.timers = timers
        self.detectsMergedRequests = detectsMergedRequests
    }

    /// How many transactions are alive.
    public var count: Int { clients.count + servers.count }

    // MARK: Client side

    /// Starts a client transaction for `request` (its top Via must carry a fresh branch).
    /// ACK for a 2xx is not a transaction: send it directly.
    public mutating func send(_ request: SIPMessage, reliable: Bool) throws(SIPHeaderError) -> (TransactionID, [TransactionEvent]) {
        guard let method = request.method, let via = try request.firstVia else {
            throw SIPHeaderError("a request needs a top Via with a branch")
        }
        let id = TransactionID(branch: via.branch ?? "", method: method, sentBy: nil, isServer: false)
        if method == .invite {
            var transaction = InviteClientTransaction(request: request, reliable: reliable, timers: timers)
            let actions = transaction.start()
            clients[id] = Client(invite: transaction, other: nil)
            return (id, events(actions, id))
        }
        var transaction = NonInviteClientTransaction(request: request, reliable: reliable, timers: timers)
        let actions = transaction.start()
        clients[id] = Client(invite: nil, other: transaction)
        return (id, events(actions, id))
    }

    // MARK: Receiving

    /// A message arrived from the transport.
    public mutating func receive(_ message: SIPMessage, reliable: Bool) -> [TransactionEvent] {
        guard let core = try? message.validate() else { return message.isRequest ? [.malformedRequest(message)] : [] }
        if message.isRequest {
            return receiveRequest(message, core: core, reliable: reliable)
        }
        // §17.1.3: the response's top Via branch and CSeq method pick the client transaction.
        let id = TransactionID(branch: core.topVia.branch ?? "", method: core.cseq.method, sentBy: nil, isServer: false)
        guard let actions = Self.step(&clients, id, { $0.receive(message) }, { $0.receive(message) }) else {
            return [.strayResponse(message)]
        }
        return events(actions, id)
    }

    private mutating func receiveRequest(_ request: SIPMessage, core: CoreHeaders, reliable: Bool) -> [TransactionEvent] {
        let method = core.cseq.method
        let matchMethod = method == .ack ? SIPMethod.invite : method
        let id = Self.serverID(for: request, core: core, method: matchMethod)
        if let actions = Self.step(&servers, id, { $0.receive(request) }, { $0.receive(request) }) {
            return events(actions, id)
        }
        if method == .ack { return [.ack(request)] }
        // §8.2.2.2: the same request arriving by another path (a different branch) is a loop
        // or a fork merging back: answer 482.
        var merged = false
        if detectsMergedRequests, core.to.tag == nil, let fromTag = core.from.tag {
            let key = "\(fromTag)|\(core.callID)|\(core.cseq.sequence)|\(method.rawValue)"
            if let earlier = pendingRequests[key], earlier != id, servers[earlier] != nil {
                merged = true
            } else {
                pendingRequests[key] = id
                pendingKeys[id] = key
            }
        }
        var out: [TransactionEvent]
        if method == .invite {
            var transaction = InviteServerTransaction(request: request, reliable: reliable, timers: timers)
            let actions = transaction.start()
            servers[id] = Server(invite: transaction, other: nil)
            out = events(merged ? actions.filter { if case .deliver = $0 { false } else { true } } : actions, id)
        } else {
            var transaction = NonInviteServerTransaction(request: request, reliable: reliable, timers: timers)
            let actions = transaction.start()
            servers[id] = Server(invite: nil, other: transaction)
            out = merged ? [] : events(actions, id)
        }
        if merged {
            out += respond(SIPMessage.response(to: request, status: 482, toTag: SIPIdentifiers.tag()), to: id)
        }
        return out
    }

    /// The server transaction key of a request (§17.2.3), with the RFC 2543 fallback when the
    /// branch lacks the magic cookie.
    static func serverID(for request: SIPMessage, core: CoreHeaders, method: SIPMethod) -> TransactionID {
        let via = core.topVia
        if via.hasRFC3261Branch, let branch = via.branch {
            return TransactionID(branch: branch, method: method, sentBy: via.sentBy, isServer: true)
        }
        // RFC 2543 (§17.2.3, last paragraphs): Request-URI, To tag, From tag, Call-ID, CSeq
        // number and top Via identify the transaction. The ACK's To tag is the response's, so
        // it is left out for INVITE/ACK matching.
        let toTag = method == .invite ? "" : (core.to.tag ?? "")
        let uri = request.requestURI?.description ?? ""
        let key = "2543|\(uri)|\(toTag)|\(core.from.tag ?? "")|\(core.callID)|\(core.cseq.sequence)|\(via.description)"
        return TransactionID(branch: key, method: method, sentBy: via.sentBy, isServer: true)
    }

    /// The INVITE server transaction a CANCEL refers to (§9.2: same branch and sent-by).
    public func inviteTransaction(cancelledBy cancel: TransactionID) -> TransactionID? {
        let id = TransactionID(branch: cancel.branch, method: .invite, sentBy: cancel.sentBy, isServer: true)
        return servers[id] == nil ? nil : id
    }

    /// Whether an INVITE server transaction has sent no final response yet.
    public func isPending(_ id: TransactionID) -> Bool {
        servers[id]?.invite?.state == .proceeding
    }

    // MARK: Server side

    /// The TU responds within a server transaction.
    public mutating func respond(_ response: SIPMessage, to id: TransactionID) -> [TransactionEvent] {
        stepServer(id, { $0.respond(response) }, { $0.respond(response) })
    }

    // MARK: Timers and errors

    /// A timer the runtime started for `id` fired.
    public mutating func fire(_ timer: TransactionTimer, for id: TransactionID) -> [TransactionEvent] {
        id.isServer ? stepServer(id, { $0.fire(timer) }, { $0.fire(timer) })
                    : stepClient(id, { $0.fire(timer) }, { $0.fire(timer) })
    }

    /// Sending for `id` failed.
    public mutating func transportError(for id: TransactionID) -> [TransactionEvent] {
        id.isServer ? stepServer(id, { $0.transportError() }, { $0.transportError() })
                    : stepClient(id, { $0.transportError() }, { $0.transportError() })
    }

    /// One step of the client transaction `id` (nothing when it no longer exists).
    private mutating func stepClient(_ id: TransactionID, _ invite: (inout InviteClientTransaction) -> [TransactionAction],
                                     _ other: (inout NonInviteClientTransaction) -> [TransactionAction]) -> [TransactionEvent] {
        guard let actions = Self.step(&clients, id, invite, other) else { return [] }
        return events(actions, id)
    }

    /// One step of the server transaction `id`, as ``stepClient(_:_:_:)``.
    private mutating func stepServer(_ id: TransactionID, _ invite: (inout InviteServerTransaction) -> [TransactionAction],
                                     _ other: (inout NonInviteServerTransaction) -> [TransactionAction]) -> [TransactionEvent] {
        guard let actions = Self.step(&servers, id, invite, other) else { return [] }
        return events(actions, id)
    }

    /// Steps the transaction `id` of `table` where it lies (nil when there is none), after
    /// giving the table its own box if a copy of the layer shares it. The actions run after,
    /// since termination removes it.
    private static func step<M: Machine>(_ table: inout [TransactionID: M], _ id: TransactionID,
                                         _ invite: (inout M.Invite) -> [TransactionAction],
                                         _ other: (inout M.Other) -> [TransactionAction]) -> [TransactionAction]? {
        guard let index = table.index(forKey: id) else { return nil }
        if !isKnownUniquelyReferenced(&table.values[index]) {
            let shared = table.values[index]
            table.values[index] = M(invite: shared.invite, other: shared.other)
        }
        let machine = table.values[index]
        if machine.invite != nil { return invite(&machine.invite!) }
        return other(&machine.other!)
    }

    private mutating func events(_ actions: [TransactionAction], _ id: TransactionID) -> [TransactionEvent] {
        var out: [TransactionEvent] = []
        out.reserveCapacity(actions.count)
        for action in actions {
            switch action {
            case .send(let message): out.append(.send(message, id))
            case .start(let timer, let after): out.append(.startTimer(id, timer, after))
            case .cancel(let timer): out.append(.cancelTimer(id, timer))
            case .deliver(let message):
                out.append(message.isRequest ? (message.method == .ack ? .ack(message) : .request(message, id)) : .response(message, id))
            case .timedOut: out.append(.timedOut(id))
            case .transportFailed: out.append(.transportFailed(id))
            case .terminated:
                if id.isServer {
                    servers[id] = nil
                    if let key = pendingKeys.removeValue(forKey: id), pendingRequests[key] == id {
                        pendingRequests[key] = nil
                    }
                } else {
                    clients[id] = nil
                }
                out.append(.terminated(id))
            }
        }
        return out
    }
}

extension TransactionLayer.Machine {
    /// A box holding one machine (the other nil).
    fileprivate init(invite: Invite?, other: Other?) {
        self.init()
        self.invite = invite
        self.other = other
    }
}
