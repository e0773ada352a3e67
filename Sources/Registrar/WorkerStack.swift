import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport

/// A request received, with what is needed to answer it.
struct IncomingRequest: Sendable {
    /// The request.
    let message: SIPMessage
    /// Where it came from.
    let source: SIPDestination
    /// Its server transaction.
    let transaction: TransactionID
}

/// What happens to a request the server sent.
enum ClientEvent: Sendable {
    /// A response (provisional or final).
    case response(SIPMessage)
    /// No final response in time (Timer B or F): act as on 408.
    case timedOut
    /// The transport failed: act as on 503.
    case transportFailed
}

/// One worker's SIP runtime: the transaction layer (RFC 3261 §17) with its timers on a
/// ``TransactionTimerWheel``, confined to one event loop — every call comes in on that loop
/// and runs to the end without hopping. The network hands it messages (``receive(_:from:)``)
/// and sends what it asks through ``transmit``; tests drive the same code on an embedded loop
/// with virtual time.
///
/// The wheel has 10 ms slots and moves in two ways: the worker advances it to the present as
/// each datagram arrives (``advanceIfDue()``), so while traffic flows timers fire within about
/// 10 ms of their deadline at no extra cost; and a wake-up of its own advances it whatever the
/// traffic: every 50 ms while any transaction timer is armed, so a quiet worker's timers fire
/// at most about 60 ms late, and once a second while none is (the worker's own timers, Timer C
/// and the published table sizes, have one-second resolution). Arming a timer while the next
/// wake-up is a second away brings it forward. (A 10 ms task, as before, woke the loop 100
/// times a second and cost five system calls a tick: 0.6 % of a core at idle and about a
/// seventh of the proxy's system calls at 200 calls/s. RFC 3261 timers are 500 ms and longer,
/// so firing up to 60 ms late on a server that receives nothing is harmless.)
final class WorkerStack: @unchecked Sendable {
    /// The loop everything runs on.
    let eventLoop: any EventLoop
    /// The address put in Via and Record-Route.
    let advertised: SIPDestination
    /// Sends a message (the network's job); the transaction, when there is one, is told of a
    /// failure through ``transportFailed(_:)``.
    var transmit: (SIPMessage, SIPDestination, TransactionID?) -> Void = { _, _, _ in }
    var onRequest: (IncomingRequest) -> Void = { _ in }
    var onACK: (SIPMessage, SIPDestination) -> Void = { _, _ in }
    var onStray: (SIPMessage) -> Void = { _ in }
    /// Runs each time the wheel advances (from a message or the worker's own wake-up), after the
    /// transaction timers: the worker's own timers.
    var onTick: () -> Void = {}
    /// A SIP trace (`-d`).
    var trace: (@Sendable (String) -> Void)?

    private var layer: TransactionLayer
    private(set) var wheel: TransactionTimerWheel
    /// Each live transaction's destination, handler and timers.
    private var records: [TransactionID: TransactionRecord] = [:]
    /// The next wake-up, and when it is due; nil before start, once stopped, and while one runs.
    private var wakeUp: Scheduled<Void>?
    private var wakeUpNanos: Int64 = .max
    /// Which wake-up is current: a cancelled one that SwiftNIO had already taken into the batch
    /// it is running still runs, and must not start a second chain.
    private var wakeUpGeneration = 0
    private var random: FastRandom
    /// The wheel's resolution.
    static let tick = TimeAmount.milliseconds(10)
    /// How often the wheel advances when no message arrives and a transaction timer is armed.
    static let idleTick = TimeAmount.milliseconds(50)
    /// How often it advances when no transaction timer is armed.
    static let quietTick = TimeAmount.seconds(1)
    /// When the wheel's next slot begins: a message arriving at or after it advances the wheel.
    private var nextSlotNanos: Int64

    init(eventLoop: any EventLoop, advertised: SIPDestination, timers: SIPTimers = SIPTimers()) {
        self.eventLoop = eventLoop
        self.advertised = advertised
        // A proxy forwards spirals (§16.3 step 4); loops are its own check (ServerWorker.isLoop).
        // Requests the server answers itself (REGISTER, OPTIONS to it) skip the UAS rule too: a
        // merged copy of one is answered again, which is harmless for both.
        layer = TransactionLayer(timers: timers, detectsMergedRequests: false)
        // 4,096 ticks of 10 ms: one turn (41 s) covers every RFC 3261 timer but Timer C.
        wheel = TransactionTimerWheel(tickNanos: Self.tick.nanoseconds, slotCount: 4_096, startNanos: Int64(eventLoop.now.uptimeNanoseconds))
        random = FastRandom()
        nextSlotNanos = Int64(eventLoop.now.uptimeNanoseconds)
    }

    /// Starts the wheel's wake-ups (call on any thread).
    func start() {
        eventLoop.execute { [self] in
            scheduleWakeUp(after: Self.idleTick)
        }
    }

    /// Stops the wake-ups.
    func stop() {
        eventLoop.execute { [self] in
            wakeUpGeneration &+= 1
            wakeUp?.cancel()
            wakeUp = nil
        }
    }

    /// Replaces the pending wake-up with one `delay` from now.
    private func scheduleWakeUp(after delay: TimeAmount) {
        wakeUp?.cancel()
        wakeUpGeneration &+= 1
        let generation = wakeUpGeneration
        wakeUpNanos = nowNanos + delay.nanoseconds
        wakeUp = eventLoop.scheduleTask(in: delay) { [weak self] in
            guard let self, generation == wakeUpGeneration else { return }
            wakeUp = nil
            advance()
            scheduleWakeUp(after: wheel.count == 0 ? Self.quietTick : Self.idleTick)
        }
    }

    /// Nanoseconds on the loop's clock (virtual on an embedded loop).
    var nowNanos: Int64 { Int64(eventLoop.now.uptimeNanoseconds) }

    /// Transactions alive.
    var transactionCount: Int { layer.count }

    /// Records kept (one per live transaction: tests check the two agree).
    var recordCount: Int { records.count }

    /// Fires the timers due, then runs ``onTick``.
    func advance() {
        let now = nowNanos
        nextSlotNanos = (now / wheel.tickNanos + 1) * wheel.tickNanos
        for due in wheel.advance(toNanos: now) where wheel.take(due) {
            run(layer.fire(due.timer, for: due.record.id))
        }
        onTick()
    }

    /// Advances the wheel when a slot has begun since it last moved (one clock read otherwise).
    /// The worker calls it first thing for every datagram, so what a message meets (the
    /// transaction count for the overload check, the transactions themselves) is current.
    @inline(__always)
    func advanceIfDue() {
        if nowNanos >= nextSlotNanos { advance() }
    }

    // MARK: Identifiers

    /// `count` random token characters from the worker's generator (no system call each).
    func token(_ count: Int) -> String { random.token(count) }

    /// A branch for a request this worker forwards: the RFC 3261 cookie, the loop hash of the
    /// request as received (§16.6 step 8, so §16.3 step 4 can recompute it), and randomness
    /// that keeps each fork's branch unique.
    func branch(loopHash: String?) -> String {
        Via.branchCookie + "cw" + (loopHash ?? "0000000000000000") + "." + random.token(10)
    }

    // MARK: Sending

    /// Sends `request` in a new client transaction to `destination` with a Via of ours on top.
    /// - Returns: the request as sent (for a later CANCEL).
    @discardableResult
    func send(_ request: SIPMessage, to destination: SIPDestination, loopHash: String? = nil,
              handler: @escaping (ClientEvent) -> Void) -> SIPMessage {
        var request = request
        request.headers.prepend(.via, "SIP/2.0/\(destination.kind.viaToken) \(advertised.hostPort);branch=\(branch(loopHash: loopHash));rport")
        startTransaction(request, to: destination, handler: handler)
        return request
    }

    /// A CANCEL for a pending INVITE this worker sent (RFC 3261 §9.1).
    func cancel(_ invite: SIPMessage, to destination: SIPDestination, handler: @escaping (ClientEvent) -> Void) {
        guard let cancel = SIPMessage.cancel(for: invite) else { return }
        startTransaction(cancel, to: destination, handler: handler)
    }

    private func startTransaction(_ request: SIPMessage, to destination: SIPDestination, handler: @escaping (ClientEvent) -> Void) {
        do {
            let (id, events) = try layer.send(request, reliable: destination.kind.isReliable)
            let record = record(id)
            record.handler = handler
            record.destination = destination
            run(events)
        } catch {
            handler(.transportFailed)
        }
    }

    /// Sends outside any transaction: a forwarded ACK of a 2xx (with a new Via of ours), a
    /// response relayed statelessly.
    func sendStateless(_ message: SIPMessage, to destination: SIPDestination) {
        var message = message
        if message.isRequest {
            message.headers.prepend(.via, "SIP/2.0/\(destination.kind.viaToken) \(advertised.hostPort);branch=\(branch(loopHash: nil));rport")
        }
        send(message, to: destination, transaction: nil)
    }

    // MARK: Responding

    /// Answers a request within its server transaction.
    func respond(_ response: SIPMessage, to request: IncomingRequest) {
        run(layer.respond(response, to: request.transaction))
    }

    /// Answers within a transaction known by its ID (the INVITE a CANCEL ended).
    func respond(_ response: SIPMessage, transaction: TransactionID) {
        run(layer.respond(response, to: transaction))
    }

    /// The INVITE a CANCEL refers to, if it is still unanswered.
    func pendingInvite(cancelledBy cancel: IncomingRequest) -> TransactionID? {
        layer.inviteTransaction(cancelledBy: cancel.transaction).flatMap { layer.isPending($0) ? $0 : nil }
    }

    /// Sending for `id` failed.
    func transportFailed(_ id: TransactionID) {
        run(layer.transportError(for: id))
    }

    // MARK: Receiving

    /// A message from the network.
    func receive(_ message: SIPMessage, from source: SIPDestination) {
        trace?("received from \(source):\n\(String(decoding: message.serialized(), as: UTF8.self))")
        run(layer.receive(message, reliable: source.kind.isReliable), source: source)
    }

    /// The record of `id`, made when the transaction is new.
    private func record(_ id: TransactionID) -> TransactionRecord {
        if let record = records[id] { return record }
        let record = TransactionRecord(id: id)
        records[id] = record
        return record
    }

    private func run(_ events: [TransactionEvent], source: SIPDestination? = nil) {
        // Consecutive events are mostly about one transaction: look its record up once.
        var last: TransactionRecord?
        func recordOf(_ id: TransactionID) -> TransactionRecord {
            if let last, !last.ended, last.id == id { return last }
            let found = record(id)
            last = found
            return found
        }
        func existing(_ id: TransactionID) -> TransactionRecord? {
            if let last, !last.ended, last.id == id { return last }
            let found = records[id]
            last = found ?? last
            return found
        }
        for event in events {
            switch event {
            case .send(let message, let id):
                // A new INVITE's own 100 Trying comes before its record exists and is dropped:
                // the proxy sends its 100 itself, with its Server header (ServerWorker.forward).
                guard let destination = existing(id)?.destination else { continue }
                send(message, to: destination, transaction: id)
            case .startTimer(let id, let timer, let after):
                let now = nowNanos
                // Every transaction that arms a timer has a record: made as a client transaction
                // starts, or as a server transaction's request is delivered.
                guard let record = existing(id) else {
                    assertionFailure("timer \(timer) armed for \(id), which has no record")
                    continue
                }
                wheel.schedule(timer, of: record, atNanos: now + after.nanoseconds)
                // A quiet worker sleeps a second at a time: wake within 50 ms for this timer. (No
                // wake-up pending: not started, stopped, or this runs inside one, which re-arms.)
                if wakeUp != nil, wakeUpNanos > now + Self.idleTick.nanoseconds { scheduleWakeUp(after: Self.idleTick) }
            case .cancelTimer(let id, let timer):
                if let record = existing(id) { wheel.cancel(timer, of: record) }
            case .request(let message, let id):
                let record = recordOf(id)
                let from = source ?? record.destination ?? advertised
                record.destination = from
                onRequest(IncomingRequest(message: message, source: from, transaction: id))
            case .ack(let message):
                onACK(message, source ?? advertised)
            case .response(let message, let id):
                existing(id)?.handler?(.response(message))
            case .strayResponse(let message):
                onStray(message)
            case .malformedRequest(let message):
                // A 400 when the request says where to send one (§8.2.6, §16.3 step 1).
                if let source, let reply = BadRequest.response(to: message.serialized(), reason: "Bad Request (missing or invalid headers)"),
                   let response = try? SIPMessage(datagram: reply) {
                    send(response, to: source, transaction: nil)
                }
            case .timedOut(let id):
                existing(id)?.handler?(.timedOut)
            case .transportFailed(let id):
                existing(id)?.handler?(.transportFailed)
            case .terminated(let id):
                guard let record = records.removeValue(forKey: id) else { continue }
                wheel.cancelAll(of: record)
                record.clear()
            }
        }
    }

    private func send(_ message: SIPMessage, to destination: SIPDestination, transaction: TransactionID?) {
        trace?("sending to \(destination):\n\(String(decoding: message.serialized(), as: UTF8.self))")
        transmit(message, destination, transaction)
    }
}

extension Duration {
    /// Whole nanoseconds.
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

/// A small fast generator (wyrand) seeded from the system's: identifiers need uniqueness and
/// unpredictability, not a system call per character.
struct FastRandom: Sendable {
    private var state: UInt64
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0xa076_1d64_78bd_642f
        let product = state.multipliedFullWidth(by: state ^ 0xe703_7ed1_a0b4_28db)
        return product.high ^ product.low
    }

    /// `count` characters of [A-Za-z0-9].
    mutating func token(_ count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            var bits = next(), left = 10
            for index in 0..<count {
                if left == 0 {
                    bits = next()
                    left = 10
                }
                buffer[index] = Self.alphabet[Int(bits % 62)]
                bits /= 62
                left -= 1
            }
            return count
        }
    }
}
