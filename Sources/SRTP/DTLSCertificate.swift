import CDTLS

/// The certificate this process presents in DTLS handshakes (RFC 5763 §5): self-signed and
/// made at start-up, or read from a PEM file (`--dtls-cert`). Its SHA-256 fingerprint goes in
/// the SDP (`a=fingerprint`), which is what the peer checks it against.
///
/// It also holds the DTLS context (OpenSSL's `SSL_CTX`) every handshake with it starts from.
public final class DTLSCertificate: @unchecked Sendable {
    /// The fingerprint for `a=fingerprint`.
    public let fingerprint: CertificateFingerprint
    /// The suites offered in the `use_srtp` extension, in preference order.
    public let suites: [SRTPSuite]
    let context: OpaquePointer
    private let key: OpaquePointer, certificate: OpaquePointer

    private init(key: OpaquePointer, certificate: OpaquePointer, suites: [SRTPSuite]) throws(SRTPError) {
        var digest = [UInt8](repeating: 0, count: 32)
        guard callwire_certificate_sha256(certificate, &digest) == 1 else {
            X509_free(certificate)
            EVP_PKEY_free(key)
            throw SRTPError("cannot take the certificate's SHA-256 fingerprint: \(DTLSHandshake.openSSLError())")
        }
        let profiles = suites.map(\.dtlsProfile.name).joined(separator: ":")
        guard let context = callwire_dtls_context(certificate, key, profiles) else {
            X509_free(certificate)
            EVP_PKEY_free(key)
            throw SRTPError("cannot set up DTLS with this certificate: \(DTLSHandshake.openSSLError())")
        }
        self.key = key
        self.certificate = certificate
        self.context = context
        self.suites = suites
        fingerprint = try CertificateFingerprint(digest: digest)
    }

    deinit {
        SSL_CTX_free(context)
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    /// A new self-signed certificate on a new ECDSA P-256 key.
    /// - Parameters:
    ///   - commonName: the subject's CN (peers do not check it; the fingerprint is the identity).
    ///   - days: validity.
    ///   - suites: the SRTP suites to offer, in preference order.
    public static func selfSigned(commonName: String = "callwire", days: Int = 30,
                                  suites: [SRTPSuite] = SRTPSuite.allCases) throws(SRTPError) -> DTLSCertificate {
        var key: OpaquePointer?, certificate: OpaquePointer?
        guard callwire_make_certificate(commonName, Int32(days), &key, &certificate) == 1, let key, let certificate else {
            throw SRTPError("cannot make a self-signed certificate: \(DTLSHandshake.openSSLError())")
        }
        return try DTLSCertificate(key: key, certificate: certificate, suites: suites)
    }

    /// The certificate and private key in one PEM file (certificate first or key first).
    /// - Throws: ``SRTPError`` naming the file and what is missing or wrong.
    public static func load(pemFile path: String, suites: [SRTPSuite] = SRTPSuite.allCases) throws(SRTPError) -> DTLSCertificate {
        guard let certificateBIO = BIO_new_file(path, "r") else {
            throw SRTPError("--dtls-cert \(path): cannot open the file")
        }
        let certificate = PEM_read_bio_X509(certificateBIO, nil, nil, nil)
        BIO_free(certificateBIO)
        guard let certificate else {
            throw SRTPError("--dtls-cert \(path): no PEM certificate in the file (\(DTLSHandshake.openSSLError()))")
        }
        guard let keyBIO = BIO_new_file(path, "r") else {
            X509_free(certificate)
            throw SRTPError("--dtls-cert \(path): cannot open the file")
        }
        let key = PEM_read_bio_PrivateKey(keyBIO, nil, nil, nil)
        BIO_free(keyBIO)
        guard let key else {
            X509_free(certificate)
            throw SRTPError("--dtls-cert \(path): no PEM private key in the file (\(DTLSHandshake.openSSLError()))")
        }
        do {
            return try DTLSCertificate(key: key, certificate: certificate, suites: suites)
        } catch {
            throw SRTPError("--dtls-cert \(path): \(error.description)")
        }
    }
}
