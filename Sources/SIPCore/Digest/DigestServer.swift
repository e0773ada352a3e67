import Crypto

/// The server side of Digest authentication: issues challenges with self-validating nonces and
/// checks credentials (RFC 7616 §3.3, §3.4; RFC 3261 §22.4).
///
/// A nonce is `timestamp · random · HMAC(secret, timestamp · random)`, so any nonce this
/// server issued can be checked without storing it, and its age tells when to answer
/// `stale=true` (§3.3: the credentials were right but the nonce expired). Nonce counts are
/// tracked per nonce to refuse replays; entries older than the lifetime are pruned.
/// Time is passed in (`now`, seconds), so tests run on virtual time.
public struct DigestServer: Sendable {
    /// How credentials were judged.
    public enum Verdict: Hashable, Sendable {
        /// The credentials are valid.
        case authorized(username: String)
        /// The response was right but the nonce expired: challenge again with `stale=true`.
        case stale
        /// Wrong password, unknown user, foreign or forged nonce, replayed count…
        case rejected(reason: String)
    }

    /// The protection space (a domain name).
    public var realm: String
    /// Algorithms offered, one challenge each, strongest first (RFC 8760 §2.4).
    public var algorithms: [DigestAlgorithm]
    /// How long a nonce stays fresh, in seconds.
    public var nonceLifetime: UInt64
    private let secret: [UInt8]
    private var highestCount: [String: (count: UInt32, issued: UInt64)] = [:]
    /// The table size that triggers the next pruning: twice what survived the last one, so a
    /// busy server prunes now and then instead of scanning every nonce on every request.
    private var pruneAt = 1024

    /// Creates a server-side authenticator.
    public init(realm: String, algorithms: [DigestAlgorithm] = [.sha256, .md5], nonceLifetime: UInt64 = 300,
                secret: [UInt8]? = nil) {
        self.realm = realm
        self.algorithms = algorithms
        self.nonceLifetime = nonceLifetime
        var generator = SystemRandomNumberGenerator()
        self.secret = secret ?? (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A fresh nonce issued at `now`.
    public func makeNonce(now: UInt64) -> String {
        var generator = SystemRandomNumberGenerator()
        var body = withUnsafeBytes(of: now.bigEndian) { Array($0) }
        body += (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return hex(body) + hex(Array(mac(body).prefix(12)))
    }

    /// Challenges for a 401/407: one per algorithm, sharing a fresh nonce.
    public func challenges(now: UInt64, stale: Bool = false) -> [DigestChallenge] {
        let nonce = makeNonce(now: now)
        return algorithms.map {
            DigestChallenge(realm: realm, nonce: nonce, opaque: nil, algorithm: $0, qop: ["auth", "auth-int"], stale: stale)
        }
    }

    /// Checks credentials for a request.
    /// - Parameters:
    ///   - ha1: the stored H(username:realm:password) for a user and algorithm, or nil if unknown.
    public mutating func verify(_ credentials: DigestCredentials, method: String, body: [UInt8], now: UInt64,
                                ha1: (_ username: String, _ algorithm: DigestAlgorithm) -> String?) -> Verdict {
        guard credentials.realm == realm else { return .rejected(reason: "credentials for realm '\(credentials.realm)'") }
        guard let issued = issuedAt(credentials.nonce) else { return .rejected(reason: "the nonce was not issued here") }
        guard let stored = ha1(credentials.username, credentials.algorithm) else {
            return .rejected(reason: "unknown user '\(credentials.username)'")
        }
        if let qop = credentials.qop, qop != "auth" && qop != "auth-int" {
            return .rejected(reason: "unsupported qop '\(qop)'")
        }
        let expected = Digest.response(algorithm: credentials.algorithm, ha1: stored, nonce: credentials.nonce,
                                       nc: credentials.nc, cnonce: credentials.cnonce, qop: credentials.qop,
                                       method: method, uri: credentials.uri, body: body)
        guard constantTimeEquals(expected, credentials.response.lowercased()) else {
            return .rejected(reason: "wrong password for '\(credentials.username)'")
        }
        if now > issued + nonceLifetime || issued > now + 5 { return .stale }
        prune(now: now)
        if credentials.qop != nil {
            let count = credentials.nc ?? 0
            if let seen = highestCount[credentials.nonce], count <= seen.count {
                return .rejected(reason: "nonce count \(count) was already used (replay)")
            }
            highestCount[credentials.nonce] = (count, issued)
        }
        return .authorized(username: credentials.username)
    }

    /// When `nonce` was issued, if this server issued it.
    func issuedAt(_ nonce: String) -> UInt64? {
        guard let bytes = unhex(nonce), bytes.count == 28 else { return nil }
        let body = Array(bytes.prefix(16))
        guard constantTimeEquals(hex(Array(mac(body).prefix(12))), hex(Array(bytes.suffix(12)))) else { return nil }
        return body.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private mutating func prune(now: UInt64) {
        guard highestCount.count > pruneAt else { return }
        highestCount = highestCount.filter { now <= $0.value.issued + nonceLifetime }
        pruneAt = max(1024, 2 * highestCount.count)
    }

    private func mac(_ body: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret)))
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

func unhex(_ text: String) -> [UInt8]? {
    let utf8 = Array(text.utf8)
    guard utf8.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    var i = 0
    while i < utf8.count {
        guard let high = SIPURI.hexValue(utf8[i]), let low = SIPURI.hexValue(utf8[i + 1]) else { return nil }
        out.append(high << 4 | low)
        i += 2
    }
    return out
}

func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for i in x.indices { difference |= x[i] ^ y[i] }
    return difference == 0
}
