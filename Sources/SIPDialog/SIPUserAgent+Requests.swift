public import SIPCore
public import SIPTransport

/// Requests outside INVITE sessions (REGISTER, MESSAGE, OPTIONS) and Digest authentication
/// (RFC 3261 §22, RFC 7616) for them and for INVITE.
extension SIPUserAgent {
    /// Builds a request outside any dialog: Max-Forwards, From with a fresh tag, To, Call-ID,
    /// CSeq, and the outbound proxy's Route (loose) or Request-URI (strict, §12.2.1.1).
    /// - Parameters:
    ///   - callID: reuse it for requests that belong together (REGISTER refreshes, §10.2.4).
    ///   - fromTag: reuse it with the Call-ID (a MESSAGE session's requests share both).
    public func makeRequest(_ method: SIPMethod, target: SIPURI, from: NameAddress, to: NameAddress,
                            callID: String, sequence: UInt32, fromTag: String) -> SIPMessage {
        var request = SIPMessage(method: method, uri: target)
        if let proxy = options.outboundProxy {
            if options.strictRoute {
                var requestURI = proxy
                requestURI.headers = []
                request = SIPMessage(method: method, uri: requestURI)
                request.headers.add(.route, "<\(target)>")
            } else {
                var route = proxy
                route.setParameter("lr", nil, flag: true)
                request.headers.add(.route, "<\(route)>")
            }
        }
        var tagged = from
        tagged.tag = fromTag
        request.headers.add(.maxForwards, "70")
        request.headers.add(.from, tagged.description)
        request.headers.add(.to, to.description)
        request.headers.add(.callID, callID)
        request.headers.add(.cseq, "\(sequence) \(method.rawValue)")
        if method == .message || method == .invite {
            if !options.product.isEmpty { request.headers.add(.userAgent, options.product) }
            if !options.subject.isEmpty { request.headers.add(.subject, options.subject) }
        }
        return request
    }

    /// Sends a non-INVITE request and returns its final response. A 401/407 is answered once
    /// per realm with ``Options/credentials``; a timeout becomes a 408 and a transport failure
    /// a 503 (RFC 3261 §8.1.3.1), after trying `fallbacks` (RFC 3263 §4.3).
    public func send(_ request: SIPMessage, to destination: SIPDestination,
                     fallbacks: [SIPDestination] = []) async -> SIPMessage {
        var request = request
        var destination = destination, fallbacks = fallbacks
        var answeredRealms: Set<String> = []
        while true {
            let response = await sendOnce(request, to: destination)
            switch response.status ?? 0 {
            case 401, 407:
                // The digest state (nonce counts, each user's credentials) lives on the loop:
                // many requests may be answering challenges at once (a range of registrations).
                let (current, answered) = (request, answeredRealms)
                let answer = try? await stack.eventLoop.submit { [self] () -> (SIPMessage?, Set<String>) in
                    var realms = answered
                    return (authorized(current, challenge: response, answered: &realms), realms)
                }.get()
                guard let answer, let retry = answer.0 else { return response }
                answeredRealms = answer.1
                request = retry
            case 408 where response.headers[.via] == nil && !fallbacks.isEmpty,
                 503 where response.headers[.via] == nil && !fallbacks.isEmpty:
                destination = fallbacks.removeFirst()
                _ = request.headers.removeFirstValue(.via)
            default:
                return response
            }
        }
    }

    private func sendOnce(_ request: SIPMessage, to destination: SIPDestination) async -> SIPMessage {
        await withCheckedContinuation { (continuation: CheckedContinuation<SIPMessage, Never>) in
            stack.eventLoop.execute { [self] in
                stack.send(request, to: destination) { event in
                    switch event {
                    case .response(let response):
                        if (response.status ?? 0) >= 200 { continuation.resume(returning: response) }
                    case .timedOut:
                        continuation.resume(returning: SIPMessage(status: 408, reason: "Request Timeout"))
                    case .transportFailed(let reason):
                        continuation.resume(returning: SIPMessage(status: 503, reason: "Service Unavailable (\(reason))"))
                    }
                }
            }
        }
    }

    /// The request again with credentials for `challenge`'s realms, a new branch and the next
    /// CSeq (§22.2), or nil when there are no credentials or a realm was already answered
    /// (the password is wrong: asking again would loop).
    func authorized(_ request: SIPMessage, challenge: SIPMessage, answered: inout Set<String>) -> SIPMessage? {
        // A request from one of a range of users answers as that user (Options.userPassword).
        let user = (try? request.from)?.uri.user
        let asUser = options.userPassword.flatMap { password in
            user.flatMap { $0 == self.options.user ? nil : userCredentials[$0] ?? DigestClient(username: $0, password: password) }
        }
        guard var client = asUser ?? credentials else { return nil }
        var retry = request
        _ = retry.headers.removeFirstValue(.via)
        let offered = (try? (challenge.status == 407 ? challenge.proxyAuthenticate : challenge.wwwAuthenticate)) ?? []
        let realms = Set(DigestChallenge.strongestPerRealm(offered).map(\.realm))
        // A stale nonce (RFC 7616 §3.3) is not a wrong password: answer it again.
        let stale = DigestChallenge.strongestPerRealm(offered).contains(where: \.stale)
        guard !realms.isEmpty, stale || answered.isDisjoint(with: realms) else { return nil }
        guard let cseq = try? request.cseq, let method = request.method else { return nil }
        retry.headers.set(.cseq, "\(cseq.sequence + 1) \(method.rawValue)")
        guard let chosen = try? client.authorize(&retry, for: challenge), !chosen.isEmpty else { return nil }
        if asUser != nil, let user { userCredentials[user] = client } else { credentials = client }
        answered.formUnion(realms)
        return retry
    }

    /// Answers a challenge to an INVITE in a new transaction (same Call-ID and From tag).
    /// - Returns: false when it cannot be answered, so the 401/407 ends the call.
    func authenticate(_ call: Call, challenge: SIPMessage) -> Bool {
        guard let retry = authorized(call.invite, challenge: challenge, answered: &call.authenticatedRealms) else { return false }
        call.invite = retry
        call.invite = stack.send(call.invite, to: call.destination) { [weak self, weak call] event in
            // Weak: the INVITE transaction outlives the call by up to 64·T1 (RFC 6026 Timer M).
            if let call { self?.inviteEvent(event, call: call) }
        }
        return true
    }
}
