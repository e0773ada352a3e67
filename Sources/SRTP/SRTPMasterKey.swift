/// A master key and salt for one direction of an SRTP session (RFC 3711 §8).
///
/// The bytes never appear in descriptions or logs: `description` names the suite and length
/// only. Random keys come from the system's cryptographically secure generator (`getrandom`
/// on Linux, through `SystemRandomNumberGenerator`).
public struct SRTPMasterKey: Sendable, Hashable, CustomStringConvertible {
    /// The suite the key is for.
    public let suite: SRTPSuite
    /// Key then salt, `suite.keyAndSaltLength` octets.
    public let keyAndSalt: [UInt8]

    /// A key from its octets.
    /// - Throws: ``SRTPError`` when the length does not fit the suite.
    public init(suite: SRTPSuite, keyAndSalt: [UInt8]) throws(SRTPError) {
        guard keyAndSalt.count == suite.keyAndSaltLength else {
            throw SRTPError("a \(suite) master key and salt are \(suite.keyAndSaltLength) octets, got \(keyAndSalt.count)")
        }
        self.suite = suite
        self.keyAndSalt = keyAndSalt
    }

    /// A fresh random key for `suite`.
    public static func random(for suite: SRTPSuite) -> SRTPMasterKey {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: suite.keyAndSaltLength)
        for i in bytes.indices { bytes[i] = generator.next() }
        // The length is right by construction.
        return try! SRTPMasterKey(suite: suite, keyAndSalt: bytes)
    }

    /// A key from separate key and salt octets (as DTLS-SRTP exports them, RFC 5764 §4.2).
    public init(suite: SRTPSuite, key: ArraySlice<UInt8>, salt: ArraySlice<UInt8>) throws(SRTPError) {
        try self.init(suite: suite, keyAndSalt: Array(key) + Array(salt))
    }

    public var description: String { "\(suite) master key (\(keyAndSalt.count) octets, not shown)" }
}
