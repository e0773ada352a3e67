import SIPCore
import SIPDialog

/// The registrar (RFC 3261 §10.3) and Digest authentication of requests (§22).
extension SIPServer {
    func register(_ request: SIPStack.ServerRequest) {
        let message = request.message
        guard let to = try? message.to, let callID = try? message.callID, let cseq = try? message.cseq else {
            reply(request, 400, "Bad Request")
            return
        }
        let aor = to.uri
        // Step 3: authenticate; step 4: the user may only bind its own address of record.
        guard authorized(request, proxy: false) else { return }
        if let user = authenticatedUser(message, proxy: false), user != aor.user {
            reply(request, 403, "Forbidden (\(user) may not register \(aor))")
            return
        }
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
        switch contacts {
        case .wildcard?:
            // Step 6: `*` only with Expires: 0 and alone.
            guard headerExpires == 0 else {
                reply(request, 400, "Invalid Contact: * needs Expires: 0")
                return
            }
            location.removeAll(aor)
        case .addresses(let contacts)?:
            let wanted = contacts.map { contact in Int(contact.expires ?? UInt32(headerExpires ?? 3_600)) }
            // Step 7: too brief → 423 with our minimum.
            if wanted.contains(where: { $0 > 0 && $0 < options.minimumExpires }) {
                reply(request, 423, "Interval Too Brief", headers: [(.minExpires, String(options.minimumExpires))])
                return
            }
            for (contact, expires) in zip(contacts, wanted) {
                let granted = min(expires, options.maximumExpires)
                if !location.update(aor, contact: contact, expiresIn: granted, callID: callID, sequence: cseq.sequence, now: now) {
                    reply(request, 500, "Server Internal Error (out-of-order REGISTER)")
                    return
                }
            }
        case nil:
            break   // a query: list the bindings
        }
        // Step 8: 200 with every current binding and its remaining time (and the same list stored).
        let current = now
        let bindings = location.lookup(aor, now: current)
        options.store?.save(aor: LocationService.key(aor), bindings: bindings.map { ($0, $0.expires - current) })
        var ok = SIPMessage.response(to: message, status: 200, toTag: SIPIdentifiers.tag())
        for binding in bindings {
            var contact = binding.contact
            contact.parameters["expires"] = String(max(Int((binding.expires - current).rounded()), 0))
            ok.headers.add(.contact, contact.description)
        }
        ok.headers.add(.server, options.product)
        handled += 1
        log?("REGISTER \(aor) → 200 OK (\(bindings.count) binding(s))")
        stack.respond(ok, to: request)
    }

    /// Checks credentials when users are configured; otherwise challenges (401 for REGISTER,
    /// 407 for the rest) or refuses, and returns false.
    func authorized(_ request: SIPStack.ServerRequest, proxy: Bool) -> Bool {
        guard let users = options.users else { return true }
        let message = request.message
        let realm = realmFor(message)
        var server = authenticators[realm] ?? DigestServer(realm: realm, algorithms: options.algorithms)
        defer { authenticators[realm] = server }
        let header: SIPHeaderName = proxy ? .proxyAuthorization : .authorization
        let offered = message.headers.values(header).compactMap { value in
            (try? AuthChallenge.parse(value)).flatMap(DigestCredentials.init)
        }.filter { $0.realm == realm }
        var stale = false
        if let credentials = offered.first {
            let verdict = server.verify(credentials, method: message.method?.rawValue ?? "", body: message.body, now: wallSeconds) { user, algorithm in
                users.ha1(user: user, realm: realm, algorithm: algorithm)
            }
            switch verdict {
            case .authorized:
                return true
            case .stale:
                stale = true
            case .rejected(let reason):
                log?("authentication failed: \(reason)")
                reply(request, 403, "Forbidden (wrong credentials)")
                return false
            }
        }
        let challengeHeader: SIPHeaderName = proxy ? .proxyAuthenticate : .wwwAuthenticate
        let challenges = server.challenges(now: wallSeconds, stale: stale).map { (challengeHeader, $0.headerValue) }
        reply(request, proxy ? 407 : 401, proxy ? "Proxy Authentication Required" : "Unauthorized", headers: challenges)
        return false
    }

    /// The user name of valid-looking credentials (already verified by ``authorized(_:proxy:)``).
    func authenticatedUser(_ message: SIPMessage, proxy: Bool) -> String? {
        guard options.users != nil else { return nil }
        let header: SIPHeaderName = proxy ? .proxyAuthorization : .authorization
        return message.headers.values(header).compactMap { (try? AuthChallenge.parse($0)).flatMap(DigestCredentials.init) }.first?.username
    }

    /// The realm: the domain of the request's To (REGISTER) or From (others).
    private func realmFor(_ message: SIPMessage) -> String {
        let address = message.method == .register ? (try? message.to) : (try? message.from)
        return address?.uri.host.lowercased() ?? "callwire"
    }
}
