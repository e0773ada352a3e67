import Foundation
public import SIPCore
public import SIPDialog
import SIPTransaction
public import SIPTransport

/// The included SIP server: a registrar (RFC 3261 §10) and a transaction-stateful forking proxy
/// (§16) on a ``SIPStack``, with optional Digest authentication. For development and tests;
/// Kamailio is the answer at scale (DESIGN.md §7).
public final class SIPServer: @unchecked Sendable {
    /// What the server does.
    public struct Options: Sendable {
        /// Hosted domains (`-r`); empty: `localhost`, this host's name and addresses.
        public var domains: [String] = []
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
        /// Where bindings are kept across restarts (`--location-db`); nil: memory only.
        public var store: LocationStore?
        /// Creates the defaults.
        public init() {}
    }

    /// What happened, for logs.
    public var log: (@Sendable (String) -> Void)?
    let stack: SIPStack
    /// What it was started with.
    public let options: Options
    let ourAddresses: Set<String>
    var location = LocationService()
    var authenticators: [String: DigestServer] = [:]
    var contexts: [TransactionID: ProxyContext] = [:]
    var recentlyForwarded: [String: Double] = [:]
    let started = ContinuousClock.now
    /// Requests handled, by final status (for the summary and tests).
    public internal(set) var handled = 0

    /// Starts serving on `stack` (whose transport listens on `listening`).
    public init(stack: SIPStack, listening: [SIPDestination], options: Options) {
        self.stack = stack
        self.options = options
        var addresses = Set(listening.map { $0.hostPort.lowercased() } + [stack.advertised.hostPort.lowercased()])
        for entry in listening {
            // A wildcard listener answers on every local address; loopback is also `localhost`.
            let aliases = entry.host == "0.0.0.0" || entry.host == "::" ? ["127.0.0.1", "localhost", "[::1]", stack.advertised.host]
                : entry.host == "127.0.0.1" || entry.host == "::1" ? ["localhost"] : []
            for host in aliases { addresses.insert("\(host):\(entry.port)") }
        }
        ourAddresses = addresses
        if let store = options.store {
            for (aor, binding, remaining) in store.load() {
                var restored = binding
                restored.expires = remaining
                location.restore(aorKey: aor, binding: restored)
            }
        }
        stack.setHandlers(
            request: { [weak self] request in self?.received(request) },
            ack: { [weak self] ack, _ in self?.forwardACK(ack) },
            stray: { [weak self] response in self?.forwardStray(response) })
        stack.start()
    }

    /// Seconds since start (the clock of the location service and nonces).
    var now: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Unix time in seconds, for nonces.
    var wallSeconds: UInt64 { UInt64(Date().timeIntervalSince1970) }

    /// Whether `host` is one we serve.
    func isLocal(_ host: String) -> Bool {
        let lower = host.lowercased()
        if !options.domains.isEmpty { return options.domains.contains { $0.lowercased() == lower } || isUs(host: lower, port: nil) }
        return lower == "localhost" || lower == "127.0.0.1" || lower == "::1" || lower == ProcessInfo.processInfo.hostName.lowercased()
            || isUs(host: lower, port: nil)
    }

    /// Whether a URI's host and port are this server's own address.
    func isUs(host: String, port: Int?) -> Bool {
        let lower = host.lowercased()
        if let port { return ourAddresses.contains("\(lower):\(port)") }
        return ourAddresses.contains { $0.hasPrefix(lower + ":") } || ourAddresses.contains(lower)
    }

    func isUs(_ uri: SIPURI) -> Bool {
        isUs(host: uri.host, port: uri.port ?? (uri.scheme == .sips ? 5061 : 5060))
    }

    // MARK: Requests

    private func received(_ request: SIPStack.ServerRequest) {
        var message = request.message
        guard let method = message.method else { return }
        if method == .cancel {
            cancel(request)
            return
        }
        // §16.3: reasonable syntax, Max-Forwards, loops.
        let hops = message.headers[.maxForwards].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 70
        if hops == 0 && method != .register {
            reply(request, 483, "Too Many Hops")
            return
        }
        if isLoop(message) {
            reply(request, 482, "Loop Detected")
            return
        }
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
        message.headers.remove(.route)
        for route in routes { message.headers.add(.route, route) }
        if !routes.isEmpty {
            // A route set we are part of (our Record-Route) is followed; a route preloaded to
            // somewhere else would make us an open relay.
            guard cameThroughUs || options.relay else {
                reply(request, 403, "Relaying Denied")
                return
            }
            forward(request, message, to: [nil], recordRoute: false)
            return
        }
        guard let target = message.requestURI else { return }
        if method == .register && (isLocal(target.host) || isUs(target)) {
            register(request)
            return
        }
        let inDialog = (try? message.to)?.tag != nil
        // In-dialog requests, and requests straight to a contact (a port that is not ours),
        // go to the Request-URI without a location lookup (§16.5).
        if inDialog && isUs(target) {
            // An in-dialog request addressed to us with no route (a UA that ignores Contact and
            // Record-Route, like sipp's built-in scenarios): to the best registered contact.
            guard let contact = location.lookup(target, now: now).first?.contact.uri else {
                reply(request, 481, "Call/Transaction Does Not Exist")
                return
            }
            forward(request, message, to: [contact], recordRoute: false)
            return
        }
        if inDialog || (target.port != nil && !isUs(target) && isLocal(target.host)) {
            guard cameThroughUs || isLocal(target.host) || options.relay else {
                reply(request, 403, "Relaying Denied")
                return
            }
            forward(request, message, to: [nil], recordRoute: false)
            return
        }
        if !isLocal(target.host) {
            guard options.relay || inDialog else {
                reply(request, 403, "Relaying Denied")
                return
            }
            forward(request, message, to: [nil], recordRoute: !inDialog && method == .invite)
            return
        }
        if !inDialog && [.invite, .message, .subscribe].contains(method), !authorized(request, proxy: true) { return }
        let contacts = location.lookup(target, now: now)
        guard !contacts.isEmpty else {
            let known = location.isKnown(target) || (target.user.map { options.users?.contains($0) ?? false } ?? false)
            reply(request, known ? 480 : 404, known ? "Temporarily Unavailable" : "Not Found")
            return
        }
        forward(request, message, to: contacts.map { Optional($0.contact.uri) }, recordRoute: method == .invite || method == .subscribe)
    }

    /// §16.3 step 4: the same request (Call-ID, CSeq, Request-URI) coming back through us with
    /// our Via on it within a transaction lifetime is a loop; a spiral changes the Request-URI.
    private func isLoop(_ message: SIPMessage) -> Bool {
        guard let vias = try? message.vias, vias.contains(where: { isUs(host: $0.host, port: $0.port ?? 5060) }) else { return false }
        return recentlyForwarded[loopKey(message)].map { now - $0 < 32 } ?? false
    }

    func loopKey(_ message: SIPMessage) -> String {
        "\((try? message.callID) ?? "")|\(message.headers[.cseq] ?? "")|\(message.requestURI?.description ?? "")"
    }

    /// Answers statelessly-built responses within the request's transaction.
    func reply(_ request: SIPStack.ServerRequest, _ status: Int, _ reason: String, headers: [(SIPHeaderName, String)] = []) {
        let toTag = (try? request.message.to)?.tag == nil ? SIPIdentifiers.tag() : nil
        var response = SIPMessage.response(to: request.message, status: status, reason: reason, toTag: toTag)
        for (name, value) in headers { response.headers.add(name, value) }
        response.headers.add(.server, options.product)
        handled += 1
        log?("\(request.message.method?.rawValue ?? "?") \(request.message.requestURI?.description ?? "") → \(status) \(reason)")
        stack.respond(response, to: request)
    }

    /// The next hop for a URI with a numeric (or `localhost`) host.
    func destination(for uri: SIPURI, inbound: SIPTransportKind) -> SIPDestination? {
        var uri = uri
        if uri.host.lowercased() == "localhost" { uri.host = "127.0.0.1" }
        return SIPUserAgent.numericDestination(uri, kind: uri.transport == nil && uri.scheme != .sips ? .udp : inbound)
    }
}
