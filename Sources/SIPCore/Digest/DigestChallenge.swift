/// A Digest challenge from WWW-Authenticate or Proxy-Authenticate (RFC 7616 §3.3).
public struct DigestChallenge: Hashable, Sendable {
    /// The protection space.
    public var realm: String
    /// The server nonce.
    public var nonce: String
    /// Opaque data to echo back.
    public var opaque: String?
    /// The algorithm (MD5 when absent).
    public var algorithm: DigestAlgorithm
    /// The qop options offered (`auth`, `auth-int`); empty for RFC 2069 servers.
    public var qop: [String]
    /// The previous nonce was valid but expired: retry without asking the user again.
    public var stale: Bool

    /// Creates a challenge.
    public init(realm: String, nonce: String, opaque: String? = nil, algorithm: DigestAlgorithm = .md5,
                qop: [String] = ["auth"], stale: Bool = false) {
        self.realm = realm
        self.nonce = nonce
        self.opaque = opaque
        self.algorithm = algorithm
        self.qop = qop
        self.stale = stale
    }

    /// Reads a Digest challenge; nil for other schemes, unsupported algorithms or missing fields.
    public init?(_ challenge: AuthChallenge) {
        guard challenge.scheme.caseInsensitiveEquals("Digest"), let realm = challenge["realm"],
              let nonce = challenge["nonce"], let algorithm = DigestAlgorithm(token: challenge["algorithm"]) else { return nil }
        self.realm = realm
        self.nonce = nonce
        opaque = challenge["opaque"]
        self.algorithm = algorithm
        qop = (challenge["qop"] ?? "").split(separator: ",").map { String($0).trimmingSpaces().lowercased() }.filter { !$0.isEmpty }
        stale = challenge["stale"]?.caseInsensitiveEquals("true") ?? false
    }

    /// The header value: `Digest realm="…", nonce="…", algorithm=SHA-256, qop="auth", …`.
    public var headerValue: String {
        var parameters: [HeaderParameters.Parameter] = [
            .init("realm", realm, quoted: true), .init("nonce", nonce, quoted: true),
        ]
        if let opaque { parameters.append(.init("opaque", opaque, quoted: true)) }
        parameters.append(.init("algorithm", algorithm.rawValue))
        if !qop.isEmpty { parameters.append(.init("qop", qop.joined(separator: ","), quoted: true)) }
        if stale { parameters.append(.init("stale", "true")) }
        return AuthChallenge(scheme: "Digest", parameters: HeaderParameters(parameters)).description
    }

    /// The strongest supported challenge for each realm, in the order realms first appear
    /// (RFC 8760 §2.4: a server may offer SHA-256 and MD5 side by side).
    public static func strongestPerRealm(_ challenges: [AuthChallenge]) -> [DigestChallenge] {
        var best: [String: DigestChallenge] = [:]
        var order: [String] = []
        for challenge in challenges.compactMap(DigestChallenge.init) {
            if let current = best[challenge.realm] {
                if challenge.algorithm.strength > current.algorithm.strength { best[challenge.realm] = challenge }
            } else {
                best[challenge.realm] = challenge
                order.append(challenge.realm)
            }
        }
        return order.map { best[$0]! }
    }
}

/// Digest credentials from Authorization or Proxy-Authorization (RFC 7616 §3.4).
public struct DigestCredentials: Hashable, Sendable {
    public var username: String
    public var realm: String
    public var nonce: String
    /// The digest-uri (the Request-URI as text).
    public var uri: String
    public var response: String
    public var algorithm: DigestAlgorithm
    public var cnonce: String?
    public var opaque: String?
    public var qop: String?
    public var nc: UInt32?

    /// Creates credentials.
    public init(username: String, realm: String, nonce: String, uri: String, response: String,
                algorithm: DigestAlgorithm = .md5, cnonce: String? = nil, opaque: String? = nil,
                qop: String? = nil, nc: UInt32? = nil) {
        self.username = username
        self.realm = realm
        self.nonce = nonce
        self.uri = uri
        self.response = response
        self.algorithm = algorithm
        self.cnonce = cnonce
        self.opaque = opaque
        self.qop = qop
        self.nc = nc
    }

    /// Reads Digest credentials; nil for other schemes or missing fields.
    public init?(_ value: AuthChallenge) {
        guard value.scheme.caseInsensitiveEquals("Digest"), let username = value["username"], let realm = value["realm"],
              let nonce = value["nonce"], let uri = value["uri"], let response = value["response"],
              let algorithm = DigestAlgorithm(token: value["algorithm"]) else { return nil }
        self.init(username: username, realm: realm, nonce: nonce, uri: uri, response: response, algorithm: algorithm,
                  cnonce: value["cnonce"], opaque: value["opaque"], qop: value["qop"]?.lowercased(),
                  nc: value["nc"].flatMap { UInt32($0, radix: 16) })
    }

    /// The header value (quoted where RFC 7616 §3.4 says so; `algorithm`, `qop`, `nc` unquoted).
    public var headerValue: String {
        var parameters: [HeaderParameters.Parameter] = [
            .init("username", username, quoted: true), .init("realm", realm, quoted: true),
            .init("nonce", nonce, quoted: true), .init("uri", uri, quoted: true),
            .init("response", response, quoted: true), .init("algorithm", algorithm.rawValue),
        ]
        if let cnonce { parameters.append(.init("cnonce", cnonce, quoted: true)) }
        if let opaque { parameters.append(.init("opaque", opaque, quoted: true)) }
        if let qop { parameters.append(.init("qop", qop)) }
        if let nc { parameters.append(.init("nc", Digest.nonceCount(nc))) }
        return AuthChallenge(scheme: "Digest", parameters: HeaderParameters(parameters)).description
    }
}
