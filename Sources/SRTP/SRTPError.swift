import CSRTP

/// An SRTP or DTLS-SRTP failure, with a sentence for people.
public struct SRTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// libsrtp's status, when it reported the failure.
    public var status: Int32?

    /// An error with a message.
    public init(_ description: String, status: Int32? = nil) {
        self.description = description
        self.status = status
    }

    /// libsrtp's name for a status (`replay check failed`, `authentication failure`).
    static func text(_ status: srtp_err_status_t) -> String {
        switch status {
        case srtp_err_status_auth_fail: "authentication failure"
        case srtp_err_status_replay_fail: "replay check failed (a packet seen before)"
        case srtp_err_status_replay_old: "replay check failed (a packet too old)"
        case srtp_err_status_bad_param: "bad parameter"
        case srtp_err_status_no_ctx: "no context for the SSRC"
        case srtp_err_status_cipher_fail: "cipher failure"
        case srtp_err_status_parse_err: "malformed packet"
        default: "libsrtp status \(status.rawValue)"
        }
    }
}
