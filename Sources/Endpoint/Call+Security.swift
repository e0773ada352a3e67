/// What protects a call's media, for people and listings (`/calls`).
extension Call {
    /// `AES_CM_128_HMAC_SHA1_80 (SDES)`, `AEAD_AES_128_GCM (DTLS-SRTP)`, `DTLS handshake in
    /// progress`, `awaiting keys`, or `unencrypted` — what the call's sockets do now.
    public var security: String {
        get async { (try? await endpoint.eventLoop.submit { [self] in media.securityStatus }.get()) ?? "unknown" }
    }
}
