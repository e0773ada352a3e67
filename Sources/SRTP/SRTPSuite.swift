import CSRTP

/// An SRTP crypto suite Callwire negotiates, by SDES (`a=crypto`, RFC 4568 §6.2; RFC 7714
/// §14.2) or by DTLS-SRTP (`use_srtp` profiles, RFC 5764 §4.1.2; RFC 7714 §14.2).
public enum SRTPSuite: String, CaseIterable, Sendable, CustomStringConvertible {
    /// AES-128 in counter mode, HMAC-SHA1 with an 80-bit tag (RFC 3711's default).
    case aesCM128HMACSHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    /// The same with a 32-bit tag on SRTP (SRTCP keeps 80 bits: RFC 4568 §6.2.2, RFC 5764 §4.1.2).
    case aesCM128HMACSHA1_32 = "AES_CM_128_HMAC_SHA1_32"
    /// AES-128 in Galois/counter mode, a 16-octet tag (RFC 7714).
    case aeadAES128GCM = "AEAD_AES_128_GCM"

    /// The SDES name (`a=crypto` crypto-suite).
    public var name: String { rawValue }

    public var description: String { rawValue }

    /// Octets of master key.
    public var keyLength: Int { 16 }

    /// Octets of master salt: 112 bits for AES-CM (RFC 3711 §8.2), 96 bits for GCM (RFC 7714 §12).
    public var saltLength: Int { self == .aeadAES128GCM ? 12 : 14 }

    /// Octets of key and salt together, as SDES writes them after `inline:`.
    public var keyAndSaltLength: Int { keyLength + saltLength }

    /// The DTLS-SRTP protection profile (RFC 5764 §4.1.2, RFC 7714 §14.2) and its OpenSSL name.
    public var dtlsProfile: (id: UInt16, name: String) {
        switch self {
        case .aesCM128HMACSHA1_80: (0x0001, "SRTP_AES128_CM_SHA1_80")
        case .aesCM128HMACSHA1_32: (0x0002, "SRTP_AES128_CM_SHA1_32")
        case .aeadAES128GCM: (0x0007, "SRTP_AEAD_AES_128_GCM")
        }
    }

    /// The suite of a DTLS-SRTP profile number.
    public init?(dtlsProfile id: UInt16) {
        guard let suite = Self.allCases.first(where: { $0.dtlsProfile.id == id }) else { return nil }
        self = suite
    }

    /// The suite an SDES crypto-suite name designates (names compare case-sensitively in RFC
    /// 4568's grammar; peers in the wild use upper case, so case is forgiven).
    public init?(name: String) {
        guard let suite = Self.allCases.first(where: { $0.rawValue == name.uppercased() }) else { return nil }
        self = suite
    }

    /// Sets libsrtp's RTP and RTCP policies for the suite.
    func configure(_ policy: inout srtp_policy_t) {
        switch self {
        case .aesCM128HMACSHA1_80:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aesCM128HMACSHA1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)   // SRTCP keeps the 80-bit tag
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
    }
}
