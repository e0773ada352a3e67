/// Random identifiers for requests and dialogs (RFC 3261 §8.1.1.4, §8.1.1.7, §19.3).
public enum SIPIdentifiers {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// `count` random token characters.
    public static func random(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] },
                      as: UTF8.self)
    }

    /// A transaction branch: the RFC 3261 cookie `z9hG4bK` and 22 random characters (≈131 bits).
    public static func branch() -> String { Via.branchCookie + random(22) }

    /// A From/To tag (≈60 bits of randomness, §19.3 asks for at least 32).
    public static func tag() -> String { random(10) }

    /// A globally unique Call-ID, `random@host`.
    public static func callID(host: String) -> String { random(20) + "@" + host }

    /// A Digest client nonce.
    public static func cnonce() -> String { random(16) }
}
