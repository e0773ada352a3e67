/// The SHA-256 fingerprint of a certificate, as `a=fingerprint:sha-256 AB:CD:…` carries it
/// (RFC 8122 §5; RFC 5763 §5 makes SHA-256 the one to use).
public struct CertificateFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The hash function's name in SDP.
    public static let algorithm = "sha-256"
    /// The 32 digest octets.
    public let digest: [UInt8]

    /// A fingerprint from its digest.
    /// - Throws: ``SRTPError`` unless it has 32 octets.
    public init(digest: [UInt8]) throws(SRTPError) {
        guard digest.count == 32 else { throw SRTPError("a SHA-256 fingerprint has 32 octets, got \(digest.count)") }
        self.digest = digest
    }

    /// Upper-case hex pairs joined by colons, as SDP writes them.
    public var description: String {
        digest.map { byte in
            let digits = Array("0123456789ABCDEF")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined(separator: ":")
    }
}
