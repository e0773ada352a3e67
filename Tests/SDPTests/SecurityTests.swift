import SDP
import Testing

@Suite("Media security in offer/answer (RFC 4568 SDES, RFC 5763 DTLS-SRTP)")
struct SecurityTests {
    let keys = [SDESKey(suite: "AEAD_AES_128_GCM", keyAndSalt: Array(repeating: 1, count: 28)),
                SDESKey(suite: "AES_CM_128_HMAC_SHA1_80", keyAndSalt: Array(repeating: 2, count: 30)),
                SDESKey(suite: "AES_CM_128_HMAC_SHA1_32", keyAndSalt: Array(repeating: 3, count: 30))]
    let fingerprint = FingerprintAttribute(hashFunction: "sha-256", digest: Array(0..<32))

    func side(_ policy: MediaSecurity.Policy, keying: MediaSecurity.Keying = .sdes) -> OfferAnswer {
        OfferAnswer(options: MediaOptions(codecs: [.pcmu], address: "127.0.0.1", port: 4_000,
                                          security: MediaSecurity(policy: policy, keying: keying, sdesKeys: keys, fingerprint: fingerprint)),
                    sessionID: 1)
    }

    func offer(_ media: String) throws -> SessionDescription {
        try SessionDescription(parsing: "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n" + media)
    }

    @Test("offers: off is plain, optional puts SDES keys in RTP/AVP, mandatory uses RTP/SAVP, DTLS uses UDP/TLS/RTP/SAVP")
    func offers() throws {
        var off = side(.off)
        let plain = off.makeOffer().media[0]
        #expect(plain.proto == "RTP/AVP" && plain.attributes.all("crypto").isEmpty)
        var optional = side(.optional)
        let bestEffort = optional.makeOffer().media[0]
        #expect(bestEffort.proto == "RTP/AVP")
        let lines = bestEffort.attributes.all("crypto").compactMap(CryptoAttribute.init)
        #expect(lines.map(\.tag) == [1, 2, 3] && lines.map(\.suite) == keys.map(\.suite) && lines.map(\.keyAndSalt) == keys.map(\.keyAndSalt))
        var mandatory = side(.mandatory)
        #expect(mandatory.makeOffer().media[0].proto == "RTP/SAVP")
        var dtls = side(.optional, keying: .dtls)
        let secured = dtls.makeOffer().media[0]
        #expect(secured.proto == "UDP/TLS/RTP/SAVP" && secured.attributes.all("crypto").isEmpty)
        #expect(secured.attributes.first("fingerprint") == fingerprint.attributeValue && secured.attributes.first("setup") == "actpass")
    }

    @Test("a=crypto reads and writes RFC 4568's grammar; its description never shows the key")
    func cryptoLines() throws {
        let line = try #require(CryptoAttribute("1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 KDR=1"))
        #expect(line.tag == 1 && line.suite == "AES_CM_128_HMAC_SHA1_80" && line.keyAndSalt.count == 30)
        #expect(line.lifetime == "2^20" && line.mki == "1:4" && line.sessionParameters == ["KDR=1"])
        #expect(line.attributeValue == "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 KDR=1")
        #expect(!line.description.contains("WVNf") && line.description.contains("not shown"))
        #expect(!"\(SDESKey(suite: "X", keyAndSalt: [0xAB, 0xCD]))".contains("171"))
        for bad in ["x AES inline:AAAA", "1 AES_CM_128_HMAC_SHA1_80", "1 AES_CM_128_HMAC_SHA1_80 uri:x", "1 S inline:@@@@",
                    "1 S inline:AAAA;inline:BBBB"] {
            #expect(CryptoAttribute(bad) == nil, "\(bad)")
        }
        #expect(FingerprintAttribute("sha-256 00:01:0A:FF")?.digest == [0, 1, 10, 255])
        #expect(FingerprintAttribute("sha-256 0:01") == nil && FingerprintAttribute("sha-256") == nil)
    }

    @Test("answering SDES: the first line with a suite this side has, same tag, this side's own key")
    func answerSDES() throws {
        var bob = side(.optional)
        let theirs = Array(repeating: UInt8(9), count: 30)
        let (answer, audio) = try bob.makeAnswer(to: try offer("""
            m=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:\(String(repeating: "A", count: 62))==\r\n\
            a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:\(CryptoAttribute(tag: 2, suite: "S", keyAndSalt: theirs).attributeValue.split(separator: ":")[1])\r\n
            """))
        #expect(answer.media[0].proto == "RTP/SAVP")
        let line = try #require(answer.media[0].attributes.all("crypto").compactMap(CryptoAttribute.init).first)
        #expect(line.tag == 2 && line.suite == "AES_CM_128_HMAC_SHA1_80" && line.keyAndSalt == keys[1].keyAndSalt)
        #expect(audio.security == .sdes(suite: "AES_CM_128_HMAC_SHA1_80", local: keys[1],
                                        remote: SDESKey(suite: "AES_CM_128_HMAC_SHA1_80", keyAndSalt: theirs)))
        #expect(audio.security?.description == "AES_CM_128_HMAC_SHA1_80 (SDES)")
    }

    @Test("refusals are 488 material with a Warning that says why", arguments: [
        (MediaSecurity.Policy.mandatory, "m=audio 5000 RTP/AVP 0\r\n", "requires encrypted media"),
        (.off, "m=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n", "SRTP off"),
        (.optional, "m=audio 5000 RTP/SAVP 0\r\na=crypto:1 F8_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n",
         "F8_128_HMAC_SHA1_80"),
        (.optional, "m=audio 5000 RTP/SAVP 0\r\n", "without keys"),
        (.optional, "m=audio 5000 UDP/TLS/RTP/SAVP 0\r\na=setup:actpass\r\n", "a=fingerprint"),
    ])
    func refusals(policy: MediaSecurity.Policy, media: String, reason: String) throws {
        var bob = side(policy)
        #expect {
            _ = try bob.makeAnswer(to: try offer(media))
        } throws: { error in
            guard let error = error as? NegotiationError else { return false }
            return error.warningCode == 302 && error.reason.contains(reason)
        }
    }

    @Test("best effort: keys in RTP/AVP are used when optional, ignored when off; a plain offer is plain when optional")
    func bestEffort() throws {
        let media = "m=audio 5000 RTP/AVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
        var optional = side(.optional)
        let (answer, audio) = try optional.makeAnswer(to: try offer(media))
        #expect(answer.media[0].proto == "RTP/AVP" && audio.security?.description == "AES_CM_128_HMAC_SHA1_32 (SDES)")
        var off = side(.off)
        let (plainAnswer, plain) = try off.makeAnswer(to: try offer(media))
        #expect(plain.security == nil && plainAnswer.media[0].attributes.all("crypto").isEmpty)
        var other = side(.optional)
        #expect(try other.makeAnswer(to: try offer("m=audio 5000 RTP/AVP 0\r\n")).1.security == nil)
    }

    @Test("answering DTLS-SRTP: active to actpass and passive to active (RFC 5763 §5), this side's fingerprint; UDP/TLS/RTP/SAVP and RTP/SAVP with a fingerprint alike",
          arguments: ["UDP/TLS/RTP/SAVP", "RTP/SAVP"])
    func answerDTLS(profile: String) throws {
        let theirs = FingerprintAttribute(hashFunction: "SHA-256", digest: Array(repeating: 7, count: 32))
        for (offered, answered) in [("actpass", SetupRole.active), ("active", .passive), ("passive", .active)] {
            var bob = side(.optional)
            let (answer, audio) = try bob.makeAnswer(to: try offer(
                "a=fingerprint:\(theirs.attributeValue)\r\nm=audio 5000 \(profile) 0\r\na=setup:\(offered)\r\n"))
            #expect(answer.media[0].proto == profile)
            #expect(answer.media[0].attributes.first("fingerprint") == fingerprint.attributeValue)
            #expect(answer.media[0].attributes.first("setup") == answered.rawValue)
            #expect(audio.security == .dtls(role: answered, remoteFingerprint: theirs), "session-level fingerprint read")
        }
    }

    @Test("reading answers: SDES by tag, DTLS role from a=setup, plain only when not mandatory")
    func readAnswers() throws {
        var alice = side(.optional)
        _ = alice.makeOffer()
        let theirs = CryptoAttribute(tag: 3, suite: "AES_CM_128_HMAC_SHA1_32", keyAndSalt: Array(repeating: 5, count: 30))
        let keyed = try alice.acceptAnswer(try offer("m=audio 6000 RTP/AVP 0\r\na=crypto:\(theirs.attributeValue)\r\n"))
        #expect(keyed.security == .sdes(suite: "AES_CM_128_HMAC_SHA1_32", local: keys[2],
                                        remote: SDESKey(suite: "AES_CM_128_HMAC_SHA1_32", keyAndSalt: theirs.keyAndSalt)))
        #expect(try alice.acceptAnswer(try offer("m=audio 6000 RTP/AVP 0\r\n")).security == nil, "best effort: the peer answered plain")
        var wrongTag = theirs
        wrongTag.tag = 1
        #expect(throws: NegotiationError.self) { try alice.acceptAnswer(try offer("m=audio 6000 RTP/AVP 0\r\na=crypto:\(wrongTag.attributeValue)\r\n")) }
        var strict = side(.mandatory)
        _ = strict.makeOffer()
        #expect { _ = try strict.acceptAnswer(try offer("m=audio 6000 RTP/SAVP 0\r\n")) } throws: { "\($0)".contains("unencrypted") }
        var dtls = side(.optional, keying: .dtls)
        _ = dtls.makeOffer()
        let answered = try dtls.acceptAnswer(try offer("m=audio 6000 UDP/TLS/RTP/SAVP 0\r\na=setup:active\r\na=fingerprint:\(fingerprint.attributeValue)\r\n"))
        #expect(answered.security == .dtls(role: .passive, remoteFingerprint: fingerprint))
        #expect(throws: NegotiationError.self) { try dtls.acceptAnswer(try offer("m=audio 6000 UDP/TLS/RTP/SAVP 0\r\na=setup:active\r\n")) }
    }
}
