import CDTLS

/// One DTLS-SRTP handshake (RFC 5764) for one transport component (the RTP port, or the RTCP
/// port when RTCP is not multiplexed), as a state machine without sockets: datagrams in,
/// datagrams out, a retransmission timer to honour, and at the end the SRTP keys.
///
/// ```
///   receive(datagram) ─▶ [.send(datagram)…, .established(keys) | .failed(error)]
///   start()           ─▶ [.send(ClientHello)]           (the client: a=setup:active)
///   timeoutDelay      ─▶ when to call handleTimeout()   (retransmits the last flight)
/// ```
/// The peer's certificate is accepted only if its SHA-256 fingerprint equals the one its SDP
/// declared (RFC 5763 §5). Keys come from the TLS exporter with the label
/// `EXTRACTOR-dtls_srtp` (RFC 5764 §4.2): client key, server key, client salt, server salt.
///
/// Confined to one thread at a time (the component's event loop).
public final class DTLSHandshake: @unchecked Sendable {
    /// Which side of the handshake this is (RFC 5763 §5: `a=setup:active` is the client).
    public enum Role: Sendable, Hashable, CustomStringConvertible {
        case client, server

        public var description: String { self == .client ? "client (a=setup:active)" : "server (a=setup:passive)" }
    }

    /// What the handshake asks its owner to do.
    public enum Event: Sendable {
        /// Send this datagram to the peer.
        case send([UInt8])
        /// The handshake is done and the peer is who its SDP said: protect with these keys.
        case established(DTLSKeys)
        /// The handshake failed; media must not flow.
        case failed(SRTPError)
    }

    /// Where the handshake stands.
    public enum State: Sendable, Hashable {
        case handshaking, established, failed, closed
    }

    /// The role this side plays.
    public let role: Role
    /// Where the handshake stands.
    public private(set) var state = State.handshaking
    private let expected: CertificateFingerprint
    private let certificate: DTLSCertificate
    private let ssl: OpaquePointer
    private let bio: OpaquePointer
    /// What the certificate check in the handshake compares (read by OpenSSL's callback).
    private let check: UnsafeMutablePointer<callwire_peer_check>
    private var scratch = [UInt8](repeating: 0, count: 2_048)

    /// A handshake with `certificate` as this side's identity, expecting the peer's certificate
    /// to have `remoteFingerprint`.
    public init(role: Role, certificate: DTLSCertificate, remoteFingerprint: CertificateFingerprint) throws(SRTPError) {
        guard let ssl = SSL_new(certificate.context) else {
            throw SRTPError("cannot start a DTLS session: \(Self.openSSLError())")
        }
        guard let bio = callwire_datagram_bio_new() else {
            SSL_free(ssl)
            throw SRTPError("cannot make the DTLS datagram channel: \(Self.openSSLError())")
        }
        // The session takes the datagram channel's one reference, for both directions.
        let check = UnsafeMutablePointer<callwire_peer_check>.allocate(capacity: 1)
        check.initialize(to: callwire_peer_check())
        withUnsafeMutableBytes(of: &check.pointee.expected) { $0.copyBytes(from: remoteFingerprint.digest) }
        guard callwire_dtls_prepare(ssl, bio, role == .client ? 1 : 0) == 1, callwire_dtls_check_peer(ssl, check) == 1 else {
            SSL_free(ssl)
            check.deallocate()
            throw SRTPError("cannot set the DTLS session up: \(Self.openSSLError())")
        }
        self.check = check
        self.ssl = ssl
        self.bio = bio
        self.role = role
        self.certificate = certificate
        expected = remoteFingerprint
    }

    deinit {
        SSL_free(ssl)
        check.deallocate()
    }

    /// Starts the handshake: the client sends its ClientHello; the server waits for it.
    public func start() -> [Event] {
        role == .client ? advance() : []
    }

    /// A DTLS datagram from the peer (RFC 7983 §7: first octet 20–63).
    public func receive(_ datagram: [UInt8]) -> [Event] {
        guard state == .handshaking || state == .established else { return [] }
        _ = datagram.withUnsafeBufferPointer { callwire_datagram_bio_push(bio, $0.baseAddress, $0.count) }
        if state == .established {
            // After the handshake: a peer that missed our last flight retransmits its own, and
            // reading it makes OpenSSL send ours again; a close_notify ends the session.
            let read = scratch.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if read <= 0, SSL_get_error(ssl, read) == SSL_ERROR_ZERO_RETURN { state = .closed }
            return outbound()
        }
        return advance()
    }

    /// How long until ``handleTimeout()`` is due, or nil when no retransmission timer runs.
    public var timeoutDelay: Duration? {
        guard state == .handshaking else { return nil }
        let milliseconds = callwire_dtls_timeout_ms(ssl)
        return milliseconds < 0 ? nil : .milliseconds(milliseconds)
    }

    /// The retransmission timer fired: resend the last flight (OpenSSL doubles the timer each
    /// time, RFC 6347 §4.2.4.1, and gives up after a dozen tries).
    public func handleTimeout() -> [Event] {
        guard state == .handshaking else { return [] }
        if callwire_dtls_handle_timeout(ssl) < 0 {
            state = .failed
            return [.failed(SRTPError("the DTLS handshake timed out: the peer never answered (as \(role))"))]
        }
        return outbound()
    }

    private func advance() -> [Event] {
        let result = SSL_do_handshake(ssl)
        var events = outbound()
        if result == 1 {
            events.append(finish())
        } else {
            let error = SSL_get_error(ssl, result)
            if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE {
                state = .failed
                if check.pointee.mismatch != 0 {
                    let presented = withUnsafeBytes(of: check.pointee.presented) { Array($0) }
                    _ = Self.openSSLError()
                    events.append(.failed(mismatch(presented: presented)))
                } else {
                    events.append(.failed(SRTPError("the DTLS handshake failed (as \(role)): \(Self.openSSLError())")))
                }
            }
        }
        return events
    }

    private func outbound() -> [Event] {
        var events: [Event] = []
        while true {
            let length = scratch.withUnsafeMutableBufferPointer { callwire_datagram_bio_pop(bio, $0.baseAddress, $0.count) }
            if length == -1 { break }
            if length >= 0 { events.append(.send(Array(scratch[0..<Int(length)]))) }
        }
        return events
    }

    /// The handshake completed: check the peer's identity, then export the keys.
    private func finish() -> Event {
        state = .failed
        guard let peer = callwire_peer_certificate(ssl) else {
            return .failed(SRTPError("the DTLS peer presented no certificate"))
        }
        var digest = [UInt8](repeating: 0, count: 32)
        let hashed = callwire_certificate_sha256(peer, &digest) == 1
        X509_free(peer)
        guard hashed, let actual = try? CertificateFingerprint(digest: digest) else {
            return .failed(SRTPError("cannot hash the DTLS peer's certificate: \(Self.openSSLError())"))
        }
        guard actual == expected else { return .failed(mismatch(presented: digest)) }
        guard let suite = SRTPSuite(dtlsProfile: UInt16(truncatingIfNeeded: callwire_dtls_srtp_profile(ssl))) else {
            return .failed(SRTPError("the DTLS peer agreed no SRTP profile (use_srtp, RFC 5764 §4.1.2) Callwire supports"))
        }
        let keyLength = suite.keyLength, saltLength = suite.saltLength
        var material = [UInt8](repeating: 0, count: 2 * (keyLength + saltLength))
        let label = "EXTRACTOR-dtls_srtp"
        let exported = SSL_export_keying_material(ssl, &material, material.count, label, label.utf8.count, nil, 0, 0)
        guard exported == 1 else {
            return .failed(SRTPError("cannot export the DTLS-SRTP keys: \(Self.openSSLError())"))
        }
        // RFC 5764 §4.2: client_write_key | server_write_key | client_write_salt | server_write_salt
        let clientKey = material[0..<keyLength], serverKey = material[keyLength..<(2 * keyLength)]
        let clientSalt = material[(2 * keyLength)..<(2 * keyLength + saltLength)]
        let serverSalt = material[(2 * keyLength + saltLength)...]
        do {
            let client = try SRTPMasterKey(suite: suite, key: clientKey, salt: clientSalt)
            let server = try SRTPMasterKey(suite: suite, key: serverKey, salt: serverSalt)
            state = .established
            return .established(DTLSKeys(suite: suite, local: role == .client ? client : server,
                                         remote: role == .client ? server : client, peer: actual))
        } catch {
            return .failed(error)
        }
    }

    private func mismatch(presented: [UInt8]) -> SRTPError {
        let shown = (try? CertificateFingerprint(digest: presented)).map(\.description) ?? "(unreadable)"
        return SRTPError("the DTLS peer's certificate has fingerprint sha-256 \(shown), but its SDP a=fingerprint says "
                         + "\(expected): refusing the media")
    }

    /// The oldest OpenSSL error as text (and the queue cleared).
    static func openSSLError() -> String {
        var text = [CChar](repeating: 0, count: 256)
        callwire_ssl_error_text(&text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The SRTP keys a DTLS-SRTP handshake produced.
public struct DTLSKeys: Sendable, Hashable {
    /// The profile the handshake agreed.
    public var suite: SRTPSuite
    /// The key this side protects with.
    public var local: SRTPMasterKey
    /// The key the peer protects with (this side unprotects with it).
    public var remote: SRTPMasterKey
    /// The peer's certificate fingerprint, as checked.
    public var peer: CertificateFingerprint
}
