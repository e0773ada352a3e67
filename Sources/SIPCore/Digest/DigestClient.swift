/// The client side of Digest authentication: answers 401/407 challenges, keeping a nonce
/// count per nonce (RFC 7616 §3.4.5) so reused nonces are answered with nc=00000002, ….
public struct DigestClient: Sendable {
    /// The authentication user name (`--authuser`).
    public var username: String
    private let password: String
    private var nonceCounts: [String: UInt32] = [:]

    /// Creates a client for one set of credentials.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Adds credentials answering the challenges of `response` (a 401 or 407) to `request`,
    /// one per realm with the strongest algorithm offered; existing credentials for those
    /// realms are replaced.
    /// - Returns: the challenges answered (empty when none was usable).
    @discardableResult
    public mutating func authorize(_ request: inout SIPMessage, for response: SIPMessage,
                                   cnonce: () -> String = SIPIdentifiers.cnonce) throws(SIPHeaderError) -> [DigestChallenge] {
        let proxy = response.status == 407
        let offered = proxy ? try response.proxyAuthenticate : try response.wwwAuthenticate
        let chosen = DigestChallenge.strongestPerRealm(offered)
        guard !chosen.isEmpty, let method = request.method, let uri = request.requestURI else { return [] }
        let header: SIPHeaderName = proxy ? .proxyAuthorization : .authorization
        let kept = request.headers.values(header).filter { value in
            guard let credentials = (try? AuthChallenge.parse(value)).flatMap(DigestCredentials.init) else { return true }
            return !chosen.contains { $0.realm == credentials.realm }
        }
        request.headers.remove(header)
        for value in kept { request.headers.add(header, value) }
        for challenge in chosen {
            let credentials = self.credentials(for: challenge, method: method.rawValue, uri: uri.description,
                                               body: request.body, cnonce: cnonce())
            request.headers.add(header, credentials.headerValue)
        }
        return chosen
    }

    /// Computes credentials for one challenge, counting the nonce's use.
    public mutating func credentials(for challenge: DigestChallenge, method: String, uri: String, body: [UInt8] = [],
                                     cnonce: String) -> DigestCredentials {
        let qop: String? = challenge.qop.contains("auth") ? "auth" : (challenge.qop.contains("auth-int") ? "auth-int" : nil)
        let nc: UInt32? = qop == nil ? nil : (nonceCounts[challenge.nonce, default: 0] + 1)
        if let nc { nonceCounts[challenge.nonce] = nc }
        let ha1 = Digest.ha1(algorithm: challenge.algorithm, username: username, realm: challenge.realm, password: password)
        let response = Digest.response(algorithm: challenge.algorithm, ha1: ha1, nonce: challenge.nonce, nc: nc,
                                       cnonce: qop == nil && !challenge.algorithm.isSession ? nil : cnonce,
                                       qop: qop, method: method, uri: uri, body: body)
        return DigestCredentials(username: username, realm: challenge.realm, nonce: challenge.nonce, uri: uri,
                                 response: response, algorithm: challenge.algorithm,
                                 cnonce: qop == nil && !challenge.algorithm.isSession ? nil : cnonce,
                                 opaque: challenge.opaque, qop: qop, nc: nc)
    }
}
