import SIPCore
import Testing

@Suite("SIP trace redaction")
struct TraceRedactionTests {
    @Test("SDES keys after inline: are masked up to |, space, ; or the line end; everything else is kept")
    func masksKeys() {
        let key = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
        let body = "v=0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^20|1:4\r\n"
            + "a=crypto:2 AEAD_AES_128_GCM INLINE:\(key)\r\na=crypto:3 X inline:\(key) KDR=1\na=x:inline:"
        let masked = SIPTraceRedaction.masking(body)
        #expect(!masked.contains(key))
        #expect(masked == "v=0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[key not shown]|2^20|1:4\r\n"
                + "a=crypto:2 AEAD_AES_128_GCM INLINE:[key not shown]\r\na=crypto:3 X inline:[key not shown] KDR=1\na=x:inline:")
        #expect(SIPTraceRedaction.masking("INVITE sip:x SIP/2.0\r\n") == "INVITE sip:x SIP/2.0\r\n")
    }
}
