/// `a=fingerprint:<hash-function> <hex pairs joined by colons>` (RFC 8122 §5): the certificate a
/// DTLS-SRTP peer will present (RFC 5763 §5).
public struct FingerprintAttribute: Sendable, Hashable, CustomStringConvertible {
    /// The hash function, lower case (`sha-256`).
    public var hashFunction: String
    /// The digest octets.
    public var digest: [UInt8]

    /// A fingerprint.
    public init(hashFunction: String, digest: [UInt8]) {
        self.hashFunction = hashFunction.lowercased()
        self.digest = digest
    }

    /// Parses the attribute's value; nil when malformed.
    public init?(_ value: String) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 2 else { return nil }
        var digest: [UInt8] = []
        for pair in fields[1].split(separator: ":", omittingEmptySubsequences: false) {
            guard pair.count == 2, let byte = UInt8(pair, radix: 16) else { return nil }
            digest.append(byte)
        }
        guard !digest.isEmpty else { return nil }
        self.init(hashFunction: String(fields[0]), digest: digest)
    }

    /// The attribute value: `sha-256 AB:CD:…`.
    public var attributeValue: String { "\(hashFunction) \(hex)" }

    /// The digest as upper-case hex pairs joined by colons.
    public var hex: String {
        let digits = Array("0123456789ABCDEF")
        return digest.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0xF)]]) }.joined(separator: ":")
    }

    public var description: String { attributeValue }
}

/// `a=setup` (RFC 4145 §4, RFC 5763 §5): which side opens the DTLS connection.
public enum SetupRole: String, Sendable, Hashable, CaseIterable {
    /// This side initiates (the DTLS client).
    case active
    /// This side waits (the DTLS server).
    case passive
    /// Either: what an offer says, leaving the choice to the answerer.
    case actpass
    /// No connection now.
    case holdconn

    /// The role an answerer takes to `offered` (RFC 5763 §5: active when the offer allows it).
    public var answer: SetupRole {
        switch self {
        case .actpass, .passive: .active
        case .active: .passive
        case .holdconn: .holdconn
        }
    }
}
