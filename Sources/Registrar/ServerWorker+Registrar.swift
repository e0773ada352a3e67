import Foundation
import NIOCore
import SIPCore

/// The registrar (RFC 3261 §10.3) and Digest authentication of requests (§22).
extension ServerWorker {
    func register(_ request: IncomingRequest) {
        let message = request.message
        guard let to = try? message.to, let callID = try? message.callID, let cseq = try? message.cseq else {
            reply(request, 400, "Bad Request")
            return
        }
        let aorURI = to.uri
        let domain = state.domains.domain(host: aorURI.host, port: aorURI.port)
        // Step 3: authenticate; step 4: the user may only bind its own address of record.
        guard authorized(request, proxy: false, realm: domain ?? state.domains.defaultDomain) else { return }
        if let user = authenticatedUser(message, proxy: false), user != aorURI.user {
            reply(request, 403, "Forbidden (\(user) may not register \(aorURI))")
            return
        }
        let aor = aorKey(aorURI, domain: domain)
        let headerExpires = (try? message.expires).flatMap { $0 }.map(Int.init)
        // Contact is parsed here, where it is used, not when the request arrived (a proxy
        // forwards it untouched); a malformed one is refused (RFC 4475 §3.1.2.13).
        let contacts: ContactValue?
        do {
            contacts = try message.contacts
        } catch {
            reply(request, 400, "Bad Request (Contact: \(error.message))")
            return
        }
        guard let store = options.store, store.isShared else {
            update(request, aor: aor, contacts: contacts, headerExpires: headerExpires, callID: callID, sequence: cseq.sequence)
            return
        }
        // Another server may have changed this address of record: read it before changing it.
        withBindings(aor) { [self] _ in
            update(request, aor: aor, contacts: contacts, headerExpires: headerExpires, callID: callID, sequence: cseq.sequence)
        }
    }

    /// Steps 6–8 of §10.3: apply the Contacts to the bindings and answer with the result.
    private func update(_ request: IncomingRequest, aor: String, contacts: ContactValue?, headerExpires: Int?, callID: String,
                        sequence: UInt32) {
        let message = request.message
        let current = now
        var refusal: (Int, String, [(SIPHeaderName, String)])?
        let bindings: [LocationService.Binding] = state.location.withLock { location in
            switch contacts {
            case .wildcard?:
                // Step 6: `*` only with Expires: 0 and alone.
                guard headerExpires == 0 else {
                    refusal = (400, "Invalid Contact: * needs Expires: 0", [])
                    return []
                }
                location.removeAll(aor)
            case .addresses(let contacts)?:
                let wanted = contacts.map { contact in Int(contact.expires ?? UInt32(headerExpires ?? 3_600)) }
                // Step 7: too brief → 423 with our minimum.
                if wanted.contains(where: { $0 > 0 && $0 < options.minimumExpires }) {
                    refusal = (423, "Interval Too Brief", [(.minExpires, String(options.minimumExpires))])
                    return []
                }
                for (contact, expires) in zip(contacts, wanted) {
                    switch location.update(aor, contact: contact, expiresIn: min(expires, options.maximumExpires), callID: callID,
                                           sequence: sequence, now: current) {
                    case .stored: continue
                    case .outOfOrder:
                        refusal = (500, "Server Internal Error (out-of-order REGISTER)", [])
                    case .full:
                        refusal = (503, "Service Unavailable (location table full)", [(.retryAfter, "60")])
                    }
                    return []
                }
            case nil:
                break   // a query: list the bindings
            }
            return location.lookup(aor, now: current)
        }
        if let (status, reason, headers) = refusal {
            if status == 503 { state.counters.overloaded.add(1, ordering: .relaxed) }
            reply(request, status, reason, headers: headers)
            return
        }
        // Step 8: 200 with every current binding and its remaining time (and the same list stored).
        if contacts != nil, let store = options.store {
            let wall = Date().timeIntervalSince1970
            store.save(aor: aor, bindings: bindings.map { ($0, wall + $0.expires - current) })
        }
        var ok = SIPMessage.response(to: message, status: 200, toTag: stack.token(10))
        for binding in bindings {
            var contact = binding.contact
            contact.parameters["expires"] = String(max(Int((binding.expires - current).rounded()), 0))
            ok.headers.add(.contact, contact.description)
        }
        ok.headers.add(.server, options.product)
        state.counters.finalResponses.add(1, ordering: .relaxed)
        options.log?("REGISTER \(aor) → 200 OK (\(bindings.count) binding(s))")
        stack.respond(ok, to: request)
    }

    /// The bindings of an address of record: from memory, or — when the store is shared with
    /// other servers — read from it first (the body runs on the worker's loop either way).
    func withBindings(_ aor: String, _ body: @escaping ([LocationService.Binding]) -> Void) {
        let current = now
        guard let store = options.store, store.isShared else {
            body(state.location.withLock { $0.lookup(aor, now: current) })
            return
        }
        let loop = stack.eventLoop
        let state = state
        nonisolated(unsafe) let body = body
        store.fetch(aor: aor) { rows in
            loop.execute {
                let wall = Date().timeIntervalSince1970
                let now = Double(loop.now.uptimeNanoseconds) / 1e9
                let list = rows.map { row in
                    var binding = row.binding
                    binding.expires = now + (row.expiresAt - wall)
                    return binding
                }
                body(state.location.withLock { location in
                    location.replace(aor, with: list, now: now)
                    return location.lookup(aor, now: now)
                })
            }
        }
    }

    /// Checks credentials when users are configured; otherwise challenges (401 for REGISTER,
    /// 407 for the rest) or refuses, and returns false. Every user — in the file or not — gets
    /// the same challenge and the same hashing, and failures are throttled (``SourceGuard``).
    func authorized(_ request: IncomingRequest, proxy: Bool, realm: String) -> Bool {
        guard let users = options.users else { return true }
        let message = request.message
        var server = authenticators[realm] ?? DigestServer(realm: realm, algorithms: options.algorithms, secret: state.digestSecret)
        defer { authenticators[realm] = server }
        let header: SIPHeaderName = proxy ? .proxyAuthorization : .authorization
        let offered = message.headers.values(header).compactMap { value in
            (try? AuthChallenge.parse(value)).flatMap(DigestCredentials.init)
        }.filter { $0.realm == realm }
        var stale = false
        if let credentials = offered.first {
            let source = request.source.host, user = credentials.username, current = now
            if let banned = state.guardian.withLock({ $0.authenticationBlocked(source: source, user: user, now: current) }) {
                security(.refused(user: user, source: request.source, method: message.method?.rawValue ?? "?", banned: banned))
                reply(request, 403, "Forbidden (too many failed attempts)")
                return false
            }
            let decoy = state.decoyPassword
            let verdict = server.verify(credentials, method: message.method?.rawValue ?? "", body: message.body, now: wallSeconds) { user, algorithm in
                users.ha1(user: user, realm: realm, algorithm: algorithm)
                    ?? Digest.ha1(algorithm: algorithm, username: user, realm: realm, password: decoy)
            }
            switch verdict {
            case .authorized:
                return true
            case .stale:
                stale = true
            case .rejected(let reason):
                let known = users.contains(user)
                let bans = state.guardian.withLock { $0.authenticationFailed(source: source, user: user, now: current) }
                security(.failed(user: user, source: request.source, method: message.method?.rawValue ?? "?",
                                 reason: known ? reason : "unknown user"))
                for ban in bans { security(.banned(ban, seconds: Int(options.authBan))) }
                reply(request, 403, "Forbidden (wrong credentials)")
                return false
            }
        }
        let challengeHeader: SIPHeaderName = proxy ? .proxyAuthenticate : .wwwAuthenticate
        let challenges = server.challenges(now: wallSeconds, stale: stale).map { (challengeHeader, $0.headerValue) }
        reply(request, proxy ? 407 : 401, proxy ? "Proxy Authentication Required" : "Unauthorized", headers: challenges)
        return false
    }

    /// Unix time in seconds, for nonces.
    var wallSeconds: UInt64 { UInt64(Date().timeIntervalSince1970) }

    /// The user name of valid-looking credentials (already verified by ``authorized(_:proxy:realm:)``).
    func authenticatedUser(_ message: SIPMessage, proxy: Bool) -> String? {
        guard options.users != nil else { return nil }
        let header: SIPHeaderName = proxy ? .proxyAuthorization : .authorization
        return message.headers.values(header).compactMap { (try? AuthChallenge.parse($0)).flatMap(DigestCredentials.init) }.first?.username
    }

    /// The realm of a proxied request: the caller's domain when it is one of ours (its users
    /// authenticate there), else the domain called. Always a hosted domain, so the table of
    /// authenticators is bounded by the domains.
    func realmFor(_ message: SIPMessage, target: String) -> String {
        guard let from = (try? message.from)?.uri, let domain = state.domains.domain(host: from.host, port: from.port) else { return target }
        return domain
    }

    func security(_ event: SecurityEvent) {
        options.security?(event.description)
    }
}
