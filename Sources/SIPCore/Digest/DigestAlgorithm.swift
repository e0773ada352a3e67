import Crypto

/// A Digest algorithm (RFC 7616 §3.2, RFC 8760 for SIP).
public enum DigestAlgorithm: String, CaseIterable, Sendable, Hashable {
    case md5 = "MD5"
    case md5Session = "MD5-sess"
    case sha256 = "SHA-256"
    case sha256Session = "SHA-256-sess"
    case sha512_256 = "SHA-512-256"
    case sha512_256Session = "SHA-512-256-sess"

    /// Reads an `algorithm` value (case-insensitive); absent means MD5 (RFC 2617 §3.2.1).
    public init?(token: String?) {
        guard let token else {
            self = .md5
            return
        }
        guard let match = Self.allCases.first(where: { $0.rawValue.caseInsensitiveEquals(token) }) else { return nil }
        self = match
    }

    /// Whether HA1 mixes in the nonces (`-sess`).
    public var isSession: Bool { self == .md5Session || self == .sha256Session || self == .sha512_256Session }

    /// Preference when a server offers several: stronger hashes first (RFC 8760 §2.4).
    public var strength: Int {
        switch self {
        case .sha512_256: 6
        case .sha512_256Session: 5
        case .sha256: 4
        case .sha256Session: 3
        case .md5: 2
        case .md5Session: 1
        }
    }

    /// The lower-case hex digest of `text`.
    public func hash(_ text: String) -> String {
        hash(Array(text.utf8))
    }

    /// The lower-case hex digest of `bytes`.
    public func hash(_ bytes: [UInt8]) -> String {
        switch self {
        case .md5, .md5Session: hex(Insecure.MD5.hash(data: bytes))
        case .sha256, .sha256Session: hex(SHA256.hash(data: bytes))
        case .sha512_256, .sha512_256Session: hex(SHA512_256.hash(bytes))
        }
    }

    private func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The Digest computations of RFC 2617 §3.2.2 and RFC 7616 §3.4.
public enum Digest {
    /// HA1 = H(username:realm:password), the value a server may store instead of the password.
    public static func ha1(algorithm: DigestAlgorithm, username: String, realm: String, password: String) -> String {
        algorithm.hash("\(username):\(realm):\(password)")
    }

    /// The `response` value.
    /// - Parameters:
    ///   - ha1: H(username:realm:password); for `-sess` algorithms it is combined with the nonces here.
    ///   - qop: `auth`, `auth-int`, or nil for the RFC 2069 form.
    ///   - body: the message body, hashed for `auth-int`.
    public static func response(algorithm: DigestAlgorithm, ha1: String, nonce: String, nc: UInt32?, cnonce: String?,
                                qop: String?, method: String, uri: String, body: [UInt8] = []) -> String {
        var a1 = ha1
        if algorithm.isSession { a1 = algorithm.hash("\(ha1):\(nonce):\(cnonce ?? "")") }
        let a2 = qop == "auth-int" ? "\(method):\(uri):\(algorithm.hash(body))" : "\(method):\(uri)"
        let ha2 = algorithm.hash(a2)
        guard let qop else { return algorithm.hash("\(a1):\(nonce):\(ha2)") }
        return algorithm.hash("\(a1):\(nonce):\(nonceCount(nc ?? 1)):\(cnonce ?? ""):\(qop):\(ha2)")
    }

    /// `nc` as eight hex digits.
    public static func nonceCount(_ nc: UInt32) -> String {
        let hex = String(nc, radix: 16)
        return String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}
