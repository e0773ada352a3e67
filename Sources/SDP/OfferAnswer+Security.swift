/// Media encryption in offer/answer: SDES (`a=crypto`, RFC 4568) and DTLS-SRTP
/// (`a=fingerprint` and `a=setup`, RFC 5763), per ``MediaSecurity``.
///
/// | this side  | offers                                   | accepts                                   |
/// |------------|------------------------------------------|-------------------------------------------|
/// | off        | RTP/AVP                                  | RTP/AVP (keys in it ignored)              |
/// | optional   | RTP/AVP + a=crypto, or UDP/TLS/RTP/SAVP  | RTP/AVP, RTP/AVP + a=crypto, secure ones  |
/// | mandatory  | RTP/SAVP + a=crypto, or UDP/TLS/RTP/SAVP | secure ones, RTP/AVP + a=crypto           |
extension OfferAnswer {
    /// What a secure answer adds, and what it settles.
    struct SecurityAnswer {
        var attributes: [Attribute] = []
        var negotiated: NegotiatedSecurity?
    }

    /// The transport protocol of this side's offers.
    var offeredProfile: String {
        let security = options.security
        switch (security.policy, security.keying) {
        case (.off, _): return "RTP/AVP"
        case (_, .dtls) where security.fingerprint != nil: return "UDP/TLS/RTP/SAVP"
        case (.mandatory, _) where !security.sdesKeys.isEmpty: return "RTP/SAVP"
        default: return "RTP/AVP"   // SDES "best effort": keys in a plain profile, for peers that understand them
        }
    }

    /// The keying attributes of this side's offers.
    var offeredSecurityAttributes: [Attribute] {
        let security = options.security
        switch (security.policy, security.keying) {
        case (.off, _):
            return []
        case (_, .dtls) where security.fingerprint != nil:
            return [Attribute("fingerprint", security.fingerprint!.attributeValue), Attribute("setup", SetupRole.actpass.rawValue)]
        default:
            return security.sdesKeys.enumerated().map { index, key in
                Attribute("crypto", CryptoAttribute(tag: index + 1, suite: key.suite, keyAndSalt: key.keyAndSalt).attributeValue)
            }
        }
    }

    /// How this side answers `offered`'s security, or why it cannot.
    func answerSecurity(for offered: MediaDescription, in offer: SessionDescription) -> Result<SecurityAnswer, NegotiationError> {
        let security = options.security
        let profile = offered.proto.uppercased()
        let secure = profile.contains("SAVP")
        let crypto = offered.attributes.all("crypto").compactMap(CryptoAttribute.init)
        let fingerprint = (offered.attributes.first("fingerprint") ?? offer.attributes.first("fingerprint")).flatMap(FingerprintAttribute.init)
        if security.policy == .off {
            guard !secure else {
                return .failure(NegotiationError(warningCode: 302, reason: "offer had audio only over \(offered.proto) (encrypted); "
                                                 + "this side has SRTP off"))
            }
            return .success(SecurityAnswer())
        }
        if profile.contains("TLS") || (secure && fingerprint != nil && (crypto.isEmpty || security.keying == .dtls)) {
            return dtlsAnswer(offered, in: offer, fingerprint: fingerprint)
        }
        if !crypto.isEmpty {
            if let (line, ours) = Self.firstUsable(crypto, ours: security.sdesKeys) {
                let answer = CryptoAttribute(tag: line.tag, suite: line.suite, keyAndSalt: ours.keyAndSalt)
                return .success(SecurityAnswer(attributes: [Attribute("crypto", answer.attributeValue)],
                                               negotiated: .sdes(suite: ours.suite, local: ours,
                                                                 remote: SDESKey(suite: ours.suite, keyAndSalt: line.keyAndSalt))))
            }
            let theirs = crypto.map(\.suite).joined(separator: ", ")
            let handled = security.sdesKeys.map(\.suite).joined(separator: ", ")
            if secure || security.policy == .mandatory {
                return .failure(NegotiationError(warningCode: 302, reason: "offer's a=crypto suites (\(theirs)) are none this side "
                                                 + "handles (\(handled))"))
            }
            return .success(SecurityAnswer())   // best effort with keys we cannot use: plain
        }
        if secure {
            return .failure(NegotiationError(warningCode: 302, reason: "offer uses \(offered.proto) without keys "
                                             + "(no a=crypto, no a=fingerprint)"))
        }
        if security.policy == .mandatory {
            return .failure(NegotiationError(warningCode: 302, reason: "offer had plain RTP/AVP only; this side requires "
                                             + "encrypted media (SRTP)"))
        }
        return .success(SecurityAnswer())
    }

    private func dtlsAnswer(_ offered: MediaDescription, in offer: SessionDescription,
                            fingerprint: FingerprintAttribute?) -> Result<SecurityAnswer, NegotiationError> {
        guard let ours = options.security.fingerprint else {
            return .failure(NegotiationError(warningCode: 302, reason: "offer uses DTLS-SRTP, which this side does not have"))
        }
        guard let fingerprint, fingerprint.hashFunction == "sha-256", fingerprint.digest.count == 32 else {
            return .failure(NegotiationError(warningCode: 302, reason: "offer uses DTLS-SRTP without a sha-256 a=fingerprint"))
        }
        // RFC 4145 §4: an offer without a=setup means active; RFC 5763 §5: answer active to actpass.
        let offeredRole = (offered.attributes.first("setup") ?? offer.attributes.first("setup"))
            .flatMap { SetupRole(rawValue: $0.lowercased()) } ?? .active
        let role = offeredRole.answer
        guard role != .holdconn else {
            return .failure(NegotiationError(warningCode: 302, reason: "offer holds the DTLS connection (a=setup:holdconn)"))
        }
        return .success(SecurityAnswer(attributes: [Attribute("fingerprint", ours.attributeValue), Attribute("setup", role.rawValue)],
                                       negotiated: .dtls(role: role, remoteFingerprint: fingerprint)))
    }

    /// The first offered line with a suite this side has a key for, one inline key of the
    /// suite's length, and no MKI or session parameters (which Callwire does not use).
    static func firstUsable(_ lines: [CryptoAttribute], ours: [SDESKey]) -> (CryptoAttribute, SDESKey)? {
        for line in lines where line.mki == nil && line.sessionParameters.isEmpty {
            if let key = ours.first(where: { $0.suite.uppercased() == line.suite.uppercased() }),
               key.keyAndSalt.count == line.keyAndSalt.count {
                return (line, key)
            }
        }
        return nil
    }

    /// What the answer to this side's offer settled about encryption.
    /// - Throws: ``NegotiationError`` when the answer's keys do not fit the offer, or it is
    ///   plain and this side requires encryption.
    func security(ofAnswer media: MediaDescription, in answer: SessionDescription) throws(NegotiationError) -> NegotiatedSecurity? {
        let security = options.security
        guard security.policy != .off else { return nil }
        if offeredProfile.contains("TLS") {
            let value = media.attributes.first("fingerprint") ?? answer.attributes.first("fingerprint")
            guard let fingerprint = value.flatMap(FingerprintAttribute.init), fingerprint.hashFunction == "sha-256" else {
                throw NegotiationError(warningCode: 302, reason: "the answer to our DTLS-SRTP offer has no sha-256 a=fingerprint")
            }
            // RFC 4145 §4: an answer without a=setup means passive, so this side is active.
            let answered = (media.attributes.first("setup") ?? answer.attributes.first("setup"))
                .flatMap { SetupRole(rawValue: $0.lowercased()) } ?? .passive
            switch answered {
            case .active: return .dtls(role: .passive, remoteFingerprint: fingerprint)
            case .passive: return .dtls(role: .active, remoteFingerprint: fingerprint)
            case .actpass, .holdconn:
                throw NegotiationError(warningCode: 302, reason: "the answer's a=setup:\(answered.rawValue) is not a DTLS role")
            }
        }
        let lines = media.attributes.all("crypto").compactMap(CryptoAttribute.init)
        for line in lines where line.tag >= 1 && line.tag <= security.sdesKeys.count {
            let ours = security.sdesKeys[line.tag - 1]
            guard line.suite.uppercased() == ours.suite.uppercased(), line.keyAndSalt.count == ours.keyAndSalt.count,
                  line.mki == nil else { continue }
            return .sdes(suite: ours.suite, local: ours, remote: SDESKey(suite: ours.suite, keyAndSalt: line.keyAndSalt))
        }
        if let line = lines.first {
            throw NegotiationError(warningCode: 302, reason: "the answer's \(line) matches none of the a=crypto lines offered")
        }
        if security.policy == .mandatory || media.proto.uppercased().contains("SAVP") {
            throw NegotiationError(warningCode: 302, reason: "the answer has no a=crypto: the media would be unencrypted, "
                                   + "and this side requires SRTP")
        }
        return nil
    }
}
