/// One `a=crypto` line of SDES (RFC 4568 §9.1):
/// `a=crypto:<tag> <crypto-suite> inline:<key||salt base64>[|<lifetime>][|<MKI>:<length>] [<session-params>]`.
///
/// The key material is a secret: ``description`` never shows it (only ``attributeValue``, the
/// text that goes on the wire, does).
public struct CryptoAttribute: Sendable, Hashable, CustomStringConvertible {
    /// The tag that pairs an answer's line with the offer's (1–999999999).
    public var tag: Int
    /// The crypto-suite name (`AES_CM_128_HMAC_SHA1_80`).
    public var suite: String
    /// The master key and salt.
    public var keyAndSalt: [UInt8]
    /// The key's lifetime, as written (`2^31`), if any.
    public var lifetime: String?
    /// The master key identifier and its length, as written (`1:4`), if any.
    public var mki: String?
    /// Session parameters (`UNENCRYPTED_SRTCP`, `KDR=…`), as written.
    public var sessionParameters: [String]

    /// A line with one inline key and nothing else.
    public init(tag: Int, suite: String, keyAndSalt: [UInt8], lifetime: String? = nil, mki: String? = nil,
                sessionParameters: [String] = []) {
        self.tag = tag
        self.suite = suite
        self.keyAndSalt = keyAndSalt
        self.lifetime = lifetime
        self.mki = mki
        self.sessionParameters = sessionParameters
    }

    /// Parses the value of an `a=crypto` attribute; nil when it is not one this grammar reads
    /// (a key method other than `inline`, several keys, bad Base64).
    public init?(_ value: String) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, let tag = Int(fields[0]), (0...999_999_999).contains(tag) else { return nil }
        let keyParameters = fields[2]
        guard keyParameters.lowercased().hasPrefix("inline:"), !keyParameters.contains(";") else { return nil }
        let parts = keyParameters.dropFirst("inline:".count).split(separator: "|", omittingEmptySubsequences: false)
        guard let first = parts.first, let key = Base64.decode(first), !key.isEmpty else { return nil }
        var lifetime: String?, mki: String?
        for part in parts.dropFirst() {
            if part.contains(":") { mki = String(part) } else { lifetime = String(part) }
        }
        self.init(tag: tag, suite: String(fields[1]), keyAndSalt: key, lifetime: lifetime, mki: mki,
                  sessionParameters: fields.dropFirst(3).map(String.init))
    }

    /// The attribute value, key included: for the SDP body only.
    public var attributeValue: String {
        var key = "inline:" + Base64.encode(keyAndSalt)
        if let lifetime { key += "|" + lifetime }
        if let mki { key += "|" + mki }
        return ([String(tag), suite, key] + sessionParameters).joined(separator: " ")
    }

    /// The line without its key: `crypto tag 1 AES_CM_128_HMAC_SHA1_80 (key not shown)`.
    public var description: String { "crypto tag \(tag) \(suite) (key not shown)" }
}

/// This side's SDES key for one suite, offered in an `a=crypto` line or used in an answer.
public struct SDESKey: Sendable, Hashable, CustomStringConvertible {
    /// The crypto-suite name.
    public var suite: String
    /// The master key and salt (from a cryptographically secure generator).
    public var keyAndSalt: [UInt8]

    /// A key for a suite.
    public init(suite: String, keyAndSalt: [UInt8]) {
        self.suite = suite
        self.keyAndSalt = keyAndSalt
    }

    public var description: String { "\(suite) key (not shown)" }
}
