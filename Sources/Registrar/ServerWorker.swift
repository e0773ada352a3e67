import Foundation
import Synchronization
import NIOCore
import SIPCore
import SIPDialog
import SIPTransaction
import SIPTransport

/// One worker of the server: its own transactions (``WorkerStack``) and proxy contexts, on one
/// event loop; the bindings and defences are shared (``ServerState``). Every method runs on the
/// worker's loop.
final class ServerWorker: @unchecked Sendable {
    let index: Int
    let stack: WorkerStack
    let state: ServerState
    var contexts: [TransactionID: ProxyContext] = [:]
    var authenticators: [String: DigestServer] = [:]
    /// Timer C of proxied INVITEs (§16.6 step 11), one-second ticks.
    var timerC: TimerWheel<TransactionID>
    /// Timer C's value: more than three minutes (§16.6 step 11).
    static let timerCSeconds = 181.0
    /// Table sizes, published each time the timer wheel moves, for readers on other threads (metrics).
    let gauges = WorkerGauges()

    init(index: Int, eventLoop: any EventLoop, advertised: SIPDestination, state: ServerState) {
        self.index = index
        self.state = state
        stack = WorkerStack(eventLoop: eventLoop, advertised: advertised)
        timerC = TimerWheel(tickNanos: 1_000_000_000, slotCount: 256, startNanos: stack.nowNanos)
        stack.onRequest = { [unowned self] in received($0) }
        stack.onACK = { [unowned self] ack, _ in forwardACK(ack) }
        stack.onStray = { [unowned self] in forwardStray($0) }
        stack.onTick = { [unowned self] in
            expireTimerC()
            gauges.transactions.store(stack.transactionCount, ordering: .relaxed)
            gauges.contexts.store(contexts.count, ordering: .relaxed)
        }
        stack.trace = state.options.trace
    }

    var options: SIPServer.Options { state.options }

    func start() { stack.start() }
    func stop() { stack.stop() }


    /// Seconds on the loop's clock (the location service's and the defences' clock).
    var now: Double { Double(stack.nowNanos) / 1e9 }

    // MARK: Input from the network

    /// A datagram for this worker: parsed here, on the worker's loop.
    func receive(datagram bytes: [UInt8], from source: SIPDestination) {
        guard let message = try? SIPMessage(datagram: bytes) else {
            stack.advanceIfDue()
            state.counters.malformed.add(1, ordering: .relaxed)
            // §16.3 step 1 / §8.2: answer 400 when the request names where to answer.
            if let reply = BadRequest.response(to: bytes, reason: "Bad Request (unparsable)"), let response = try? SIPMessage(datagram: reply) {
                stack.transmit(response, source, nil)
            }
            return
        }
        var stamped = message
        if message.isRequest { SIPNetworkTransport.stampReceived(&stamped, host: source.host, port: source.port) }
        receive(stamped, from: source)
    }

    /// A parsed message for this worker.
    func receive(_ message: SIPMessage, from source: SIPDestination) {
        // Timers due first: a transaction whose Timer J or K has run out no longer counts below.
        stack.advanceIfDue()
        if message.isRequest {
            state.counters.requests.add(1, ordering: .relaxed)
            if stack.transactionCount >= options.maximumTransactions, message.method != .ack {
                // Full: refused outside any transaction (a retransmission of a live one too).
                state.counters.overloaded.add(1, ordering: .relaxed)
                var busy = SIPMessage.response(to: message, status: 503, reason: "Service Unavailable (too many transactions)",
                                               toTag: stack.token(10))
                busy.headers.add(.retryAfter, "5")
                stack.transmit(busy, source, nil)
                return
            }
        }
        stack.receive(message, from: source)
    }

    // MARK: Requests

    private func received(_ request: IncomingRequest) {
        var message = request.message
        guard let method = message.method else { return }
        if method == .cancel {
            cancel(request)
            return
        }
        // §16.3: reasonable syntax, Max-Forwards, loops.
        let hops = Self.maxForwards(message)
        if hops == 0 && method != .register {
            reply(request, 483, "Too Many Hops")
            return
        }
        if isLoop(message) {
            reply(request, 482, "Loop Detected")
            return
        }
        let loopHash = Self.loopHash(message)
        // §16.4: a Route naming us is ours to remove; a strict previous hop put us in the R-URI.
        var routes = message.headers.values(.route)
        var cameThroughUs = false
        if let first = routes.first, let uri = (try? NameAddress.parse(first))?.uri, isUs(uri) {
            routes.removeFirst()
            cameThroughUs = true
        } else if let uri = message.requestURI, isUs(uri), let last = routes.last,
                  let target = (try? NameAddress.parse(last))?.uri {
            message.requestURI = target
            routes.removeLast()
        }
        if cameThroughUs || routes.count != message.headers.values(.route).count {
            message.headers.remove(.route)
            for route in routes { message.headers.add(.route, route) }
        }
        if !routes.isEmpty {
            // A route set we are part of (our Record-Route) is followed; a route preloaded to
            // somewhere else would make us an open relay.
            guard cameThroughUs || options.relay else {
                reply(request, 403, "Relaying Denied")
                return
            }
            forward(request, message, to: [nil], recordRoute: false, loopHash: loopHash)
            return
        }
        guard let target = message.requestURI else { return }
        let domain = state.domains.domain(host: target.host, port: target.port)
        if method == .register && (domain != nil || isUs(target)) {
            register(request)
            return
        }
        let inDialog = (try? message.to)?.tag != nil
        if inDialog && isUs(target) {
            // An in-dialog request addressed to us with no route (a UA that ignores Contact and
            // Record-Route, like sipp's built-in scenarios): to the best registered contact.
            withBindings(aorKey(target, domain: domain)) { [self] bindings in
                guard let contact = bindings.first?.contact.uri else {
                    reply(request, 481, "Call/Transaction Does Not Exist")
                    return
                }
                forward(request, message, to: [contact], recordRoute: false, loopHash: loopHash)
            }
            return
        }
        // In-dialog requests, and requests straight to a contact on one of our host names at a
        // port that is not ours, go to the Request-URI without a location lookup (§16.5).
        let onOurHost = domain == nil && target.port != nil && state.domains.domain(host: target.host, port: nil) != nil
        if inDialog || onOurHost {
            guard cameThroughUs || onOurHost || domain != nil || options.relay else {
                reply(request, 403, "Relaying Denied")
                return
            }
            forward(request, message, to: [nil], recordRoute: false, loopHash: loopHash)
            return
        }
        guard let domain else {
            guard options.relay else {
                reply(request, 403, "Relaying Denied")
                return
            }
            forward(request, message, to: [nil], recordRoute: method == .invite, loopHash: loopHash)
            return
        }
        if target.user == nil && method == .options {
            // An OPTIONS for the server itself (§11.2): what it supports.
            reply(request, 200, "OK", headers: [(.allow, "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, PRACK")])
            return
        }
        // With users, every request for a user of ours is challenged before anything about the
        // user is said: a known and an unknown user get the same answer (no enumeration).
        if method != .ack, !authorized(request, proxy: true, realm: realmFor(message, target: domain)) { return }
        let aor = aorKey(target, domain: domain)
        withBindings(aor) { [self] bindings in
            guard !bindings.isEmpty else {
                let known = state.location.withLock { $0.isKnown(aor, now: now) }
                    || (target.user.map { options.users?.contains($0) ?? false } ?? false)
                reply(request, known ? 480 : 404, known ? "Temporarily Unavailable" : "Not Found")
                return
            }
            forward(request, message, to: bindings.map { Optional($0.contact.uri) },
                    recordRoute: method == .invite || method == .subscribe, loopHash: loopHash)
        }
    }

    /// Max-Forwards as a number (70 when absent or not a number, §8.1.1.6), read without
    /// Foundation's Unicode trimming.
    static func maxForwards(_ message: SIPMessage) -> Int {
        guard let text = message.headers[.maxForwards] else { return 70 }
        var value = 0, digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9") where digits < 9:
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"): continue
            default: return 70
            }
        }
        return digits == 0 ? 70 : value
    }

    /// The location key of a Request-URI or To URI: `user@<domain>` when the host names one of
    /// our domains, the URI as written otherwise.
    func aorKey(_ uri: SIPURI, domain: String?) -> String {
        guard let domain = domain ?? state.domains.domain(host: uri.host, port: uri.port) else { return LocationService.key(uri) }
        return LocationService.key(scheme: uri.scheme, user: uri.user, domain: domain)
    }

    /// §16.3 step 4: a request with our Via whose branch carries the hash this request would
    /// get now (§16.6 step 8) came back unchanged: a loop. A spiral (changed Request-URI)
    /// hashes differently.
    private func isLoop(_ message: SIPMessage) -> Bool {
        guard let vias = try? message.vias else { return false }
        let prefix = Via.branchCookie + "cw"
        var hash: String?
        for via in vias where isUs(host: via.host, port: via.port ?? 5060) {
            guard let branch = via.branch, branch.hasPrefix(prefix) else { continue }
            let mine = hash ?? Self.loopHash(message)
            hash = mine
            if branch.utf8.dropFirst(prefix.utf8.count).prefix(16).elementsEqual(mine.utf8) { return true }
        }
        return false
    }

    /// The hash of what routes a request (§16.6 step 8): Request-URI, Call-ID, CSeq, From tag.
    /// `Hasher` is seeded once per process (the same on every thread), and only `isLoop(_:)`
    /// in this process reads the hash, so the URI is hashed as parsed rather than as text. (A
    /// loop through a restarted server is not seen this way; Max-Forwards ends it.)
    static func loopHash(_ message: SIPMessage) -> String {
        var hasher = Hasher()
        hasher.combine(message.requestURI)
        hasher.combine(message.headers[.callID] ?? "")
        hasher.combine(message.headers[.cseq] ?? "")
        hasher.combine((try? message.from)?.tag ?? "")
        var value = UInt64(bitPattern: Int64(hasher.finalize()))
        // 16 hex digits, written directly (generic radix formatting cost a percent of the time).
        return String(unsafeUninitializedCapacity: 16) { buffer in
            for index in (0..<16).reversed() {
                buffer[index] = Self.hexDigits[Int(value & 0xF)]
                value >>= 4
            }
            return 16
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Answers statelessly-built responses within the request's transaction.
    func reply(_ request: IncomingRequest, _ status: Int, _ reason: String, headers: [(SIPHeaderName, String)] = []) {
        let toTag = (try? request.message.to)?.tag == nil ? stack.token(10) : nil
        var response = SIPMessage.response(to: request.message, status: status, reason: reason, toTag: toTag)
        for (name, value) in headers { response.headers.add(name, value) }
        response.headers.add(.server, options.product)
        if status >= 200 { state.counters.finalResponses.add(1, ordering: .relaxed) }
        options.log?("\(request.message.method?.rawValue ?? "?") \(request.message.requestURI?.description ?? "") → \(status) \(reason)")
        stack.respond(response, to: request)
    }

    /// Whether a host and port are this server's own address.
    func isUs(host: String, port: Int?) -> Bool { state.isUs(host: host, port: port) }

    func isUs(_ uri: SIPURI) -> Bool {
        isUs(host: uri.host, port: uri.port ?? (uri.scheme == .sips ? 5061 : 5060))
    }

    /// The next hop for a URI with a numeric (or `localhost`) host.
    func destination(for uri: SIPURI, inbound: SIPTransportKind) -> SIPDestination? {
        var uri = uri
        if uri.host.lowercased() == "localhost" { uri.host = "127.0.0.1" }
        return SIPUserAgent.numericDestination(uri, kind: uri.transport == nil && uri.scheme != .sips ? .udp : inbound)
    }
}

/// A worker's table sizes as of its last timer-wheel step (about a second old at most), readable from any thread.
final class WorkerGauges: Sendable {
    let transactions = Atomic<Int>(0)
    let contexts = Atomic<Int>(0)
}
