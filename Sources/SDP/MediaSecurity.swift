/// What this side does about media encryption (SRTP, RFC 3711), for ``MediaOptions``.
///
/// - `off`: plain RTP/AVP only; secure offers are refused.
/// - `optional` (the default): encrypted when the peer can. Offers carry keys in an RTP/AVP
///   stream ("best effort": a peer that does not understand them answers plain), and secure
///   offers are accepted.
/// - `mandatory`: encrypted or no call. Offers use RTP/SAVP (or UDP/TLS/RTP/SAVP); a plain offer
///   gets 488 with a Warning that says why.
public struct MediaSecurity: Sendable, Hashable {
    /// Whether encryption is off, wanted, or required.
    public enum Policy: String, Sendable, Hashable, CaseIterable {
        case off, optional, mandatory
    }

    /// How keys are agreed in this side's offers.
    public enum Keying: String, Sendable, Hashable, CaseIterable {
        /// SDES: keys in `a=crypto` lines of the SDP (RFC 4568); as safe as the signalling.
        case sdes
        /// DTLS-SRTP: keys from a DTLS handshake on the media path, the peer identified by
        /// `a=fingerprint` (RFC 5763, RFC 5764).
        case dtls
    }

    /// Off, optional or mandatory.
    public var policy: Policy
    /// What this side offers (answers follow what the offer uses).
    public var keying: Keying
    /// This side's SDES keys, one per suite, in preference order (a fresh key per session).
    public var sdesKeys: [SDESKey]
    /// This side's certificate fingerprint; nil when DTLS-SRTP is not available.
    public var fingerprint: FingerprintAttribute?

    /// Security settings.
    public init(policy: Policy, keying: Keying = .sdes, sdesKeys: [SDESKey] = [], fingerprint: FingerprintAttribute? = nil) {
        self.policy = policy
        self.keying = keying
        self.sdesKeys = sdesKeys
        self.fingerprint = fingerprint
    }

    /// No encryption.
    public static let off = MediaSecurity(policy: .off)
}

/// The media encryption offer/answer settled for a stream.
public enum NegotiatedSecurity: Sendable, Hashable, CustomStringConvertible {
    /// SDES (RFC 4568): the suite, this side's key (to protect with) and the peer's (to unprotect).
    case sdes(suite: String, local: SDESKey, remote: SDESKey)
    /// DTLS-SRTP (RFC 5764): this side's `a=setup` role and the fingerprint the peer's
    /// certificate must have; the suite and keys come from the handshake.
    case dtls(role: SetupRole, remoteFingerprint: FingerprintAttribute)

    /// `AES_CM_128_HMAC_SHA1_80 (SDES)`, `DTLS-SRTP`.
    public var description: String {
        switch self {
        case .sdes(let suite, _, _): "\(suite) (SDES)"
        case .dtls: "DTLS-SRTP"
        }
    }
}
