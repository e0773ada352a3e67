import NIOCore
import RTPSession
import SDP
import SRTP

/// How a ``Caller`` encrypts its calls' media (`--srtp`, `--srtp-keying`, `--dtls-cert`): the
/// one place where the endpoint meets media security. It makes each call's keys (SDES, from the
/// system CSPRNG) or presents the process's DTLS certificate, and applies what offer/answer
/// settled to the call's sockets (a ``SecureRTPSocketPair``, which the runtime's RTP port
/// allocators give every session).
final class CallSecurity: Sendable {
    /// Off, optional or mandatory.
    let policy: MediaSecurity.Policy
    /// What offers use: SDES or DTLS-SRTP.
    let keying: MediaSecurity.Keying
    /// The certificate every call presents in DTLS-SRTP (nil with `--srtp off`).
    let certificate: DTLSCertificate?

    /// The SDES suites offered, in preference order: the one every SRTP endpoint has first
    /// (RFC 4568 §6.2.1), then the short tag, then GCM (RFC 7714).
    static let sdesSuites: [SRTPSuite] = [.aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32, .aeadAES128GCM]

    /// Reads the options; loads `--dtls-cert` or makes a self-signed certificate.
    /// - Throws: ``CallerError/usage(_:)`` naming the certificate file and what is wrong with it.
    init(_ options: CallerOptions) throws(CallerError) {
        policy = options.srtp
        keying = options.srtpKeying
        guard policy != .off else {
            certificate = nil
            return
        }
        do {
            if let path = options.dtlsCertificate {
                certificate = try DTLSCertificate.load(pemFile: path)
            } else {
                certificate = try DTLSCertificate.selfSigned()
            }
        } catch {
            throw .usage(error.description)
        }
    }

    /// The security of one call's offers and answers, with fresh keys.
    func mediaSecurity() -> MediaSecurity {
        let keys = Self.sdesSuites.map { suite in SDESKey(suite: suite.name, keyAndSalt: SRTPMasterKey.random(for: suite).keyAndSalt) }
        let fingerprint = certificate.map { FingerprintAttribute(hashFunction: CertificateFingerprint.algorithm, digest: $0.fingerprint.digest) }
        return MediaSecurity(policy: policy, keying: keying, sdesKeys: policy == .off ? [] : keys, fingerprint: fingerprint)
    }

    /// Keys `session`'s sockets as offer/answer settled: plain, SDES, or a DTLS handshake with
    /// the peer at `remote` (whose result comes to `dtlsResult`, on the session's event loop).
    /// - Throws: ``CallerError/media(_:)`` when the session cannot encrypt or the keys are unusable.
    func apply(_ negotiated: NegotiatedSecurity?, to session: RTPSession, remote: (rtp: SocketAddress, rtcp: SocketAddress)?,
               dtlsResult: @escaping @Sendable (Result<SRTPSuite, SRTPError>) -> Void) throws(CallerError) {
        guard let sockets = session.sockets as? SecureRTPSocketPair else {
            guard negotiated == nil else { throw .media("this call's RTP session cannot encrypt (\(negotiated!))") }
            return
        }
        do {
            switch negotiated {
            case nil:
                sockets.usePlainRTP()
            case .sdes(let name, let local, let remote):
                guard let suite = SRTPSuite(name: name) else { throw SRTPError("unknown SRTP suite \(name)") }
                try sockets.useSDES(local: try SRTPMasterKey(suite: suite, keyAndSalt: local.keyAndSalt),
                                    remote: try SRTPMasterKey(suite: suite, keyAndSalt: remote.keyAndSalt))
            case .dtls(let role, let fingerprint):
                guard let certificate else { throw SRTPError("DTLS-SRTP needs a certificate, and --srtp is off") }
                guard let remote else { throw SRTPError("the peer's media address is not a numeric address to handshake with") }
                try sockets.startDTLS(role: role == .active ? .client : .server, certificate: certificate,
                                      remoteFingerprint: try CertificateFingerprint(digest: fingerprint.digest),
                                      rtpPeer: remote.rtp, rtcpPeer: remote.rtcp, onResult: dtlsResult)
            }
        } catch {
            throw .media("cannot encrypt the media: \(error)")
        }
    }

    /// What protects `session`'s media now (`AES_CM_128_HMAC_SHA1_80 (SDES)`, `unencrypted`).
    static func status(of session: RTPSession) -> String {
        (session.sockets as? SecureRTPSocketPair)?.status.description ?? "unencrypted"
    }
}
