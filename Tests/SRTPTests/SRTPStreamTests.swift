import SRTP
import Testing

/// An RTP packet: 12-octet header (PT 0, the given sequence number and SSRC) and a payload.
func rtpPacket(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payload: [UInt8]) -> [UInt8] {
    [0x80, 0x00, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x01, 0x40]
        + [24, 16, 8, 0].map { UInt8((ssrc >> UInt32($0)) & 0xFF) } + payload
}

/// Runs `body` on a copy of `packet` with room for the SRTP trailer; returns the result's octets.
func inPlace(_ packet: [UInt8], _ body: (UnsafeMutableRawPointer, Int) throws(SRTPError) -> Int) throws -> [UInt8] {
    var buffer = packet + [UInt8](repeating: 0, count: SRTPStream.maximumTrailer)
    let length = try buffer.withUnsafeMutableBytes { raw in try body(raw.baseAddress!, packet.count) }
    return Array(buffer[0..<length])
}

@Suite("SRTP streams (libsrtp)")
struct SRTPStreamTests {
    /// A recognisable payload: 160 octets of a G.711 tone's bytes.
    let payload = (0..<160).map { UInt8(truncatingIfNeeded: 0xD5 &+ $0 &* 7) }

    @Test("each suite protects and unprotects RTP: the tag has the suite's length and the payload is not in the clear",
          arguments: [(SRTPSuite.aesCM128HMACSHA1_80, 10), (.aesCM128HMACSHA1_32, 4), (.aeadAES128GCM, 16)])
    func roundTrip(suite: SRTPSuite, tag: Int) throws {
        let key = SRTPMasterKey.random(for: suite)
        let sender = try SRTPStream(key: key, direction: .outbound)
        let receiver = try SRTPStream(key: key, direction: .inbound)
        for sequence in UInt16(1)...UInt16(50) {
            let plain = rtpPacket(sequence: sequence, payload: payload)
            let protected = try inPlace(plain, sender.protectRTP)
            #expect(protected.count == plain.count + tag)
            #expect(Array(protected[0..<12]) == Array(plain[0..<12]), "the header stays in the clear (RFC 3711 §3.1)")
            #expect(!contains(protected, Array(payload[0..<16])), "no 16-octet run of the payload survives")
            #expect(try inPlace(protected, receiver.unprotectRTP) == plain)
        }
    }

    @Test("SRTCP: E flag and index, then the tag (80 bits even with the _32 suite: RFC 4568 §6.2.2)",
          arguments: [(SRTPSuite.aesCM128HMACSHA1_80, 14), (.aesCM128HMACSHA1_32, 14), (.aeadAES128GCM, 20)])
    func rtcp(suite: SRTPSuite, trailer: Int) throws {
        let key = SRTPMasterKey.random(for: suite)
        let sender = try SRTPStream(key: key, direction: .outbound), receiver = try SRTPStream(key: key, direction: .inbound)
        // An RR with no blocks and an SDES CNAME "x", as RTPSession sends them.
        let report: [UInt8] = [0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78, 0x81, 202, 0, 2, 0x12, 0x34, 0x56, 0x78, 1, 1, 0x78, 0]
        let protected = try inPlace(report, sender.protectRTCP)
        #expect(protected.count == report.count + trailer)
        // RFC 3711 §3.4: E flag and index after the encrypted part; RFC 7714 §9.1: after the AEAD tag.
        #expect(protected[report.count + (suite == .aeadAES128GCM ? 16 : 0)] & 0x80 == 0x80, "E flag: encrypted")
        #expect(try inPlace(protected, receiver.unprotectRTCP) == report)
    }

    @Test("a changed octet fails authentication, a replay is refused, a wrong key fails; errors say so")
    func refusals() throws {
        let key = SRTPMasterKey.random(for: .aesCM128HMACSHA1_80)
        let sender = try SRTPStream(key: key, direction: .outbound), receiver = try SRTPStream(key: key, direction: .inbound)
        let protected = try inPlace(rtpPacket(sequence: 7, payload: payload), sender.protectRTP)
        var tampered = protected
        tampered[40] ^= 0x01
        #expect { _ = try inPlace(tampered, receiver.unprotectRTP) } throws: { "\($0)".contains("authentication failure") }
        _ = try inPlace(protected, receiver.unprotectRTP)
        #expect { _ = try inPlace(protected, receiver.unprotectRTP) } throws: { "\($0)".contains("replay") }
        let stranger = try SRTPStream(key: SRTPMasterKey.random(for: .aesCM128HMACSHA1_80), direction: .inbound)
        #expect(throws: SRTPError.self) { try inPlace(protected, stranger.unprotectRTP) }
    }

    @Test("an inbound stream keeps state for at most 8 sources and still authenticates the newest")
    func boundedSources() throws {
        let key = SRTPMasterKey.random(for: .aeadAES128GCM)
        let receiver = try SRTPStream(key: key, direction: .inbound)
        for ssrc in UInt32(1)...UInt32(40) {
            let sender = try SRTPStream(key: key, direction: .outbound)
            let plain = rtpPacket(sequence: 1, ssrc: ssrc, payload: payload)
            #expect(try inPlace(try inPlace(plain, sender.protectRTP), receiver.unprotectRTP) == plain)
        }
    }

    @Test("master keys: random, the suite's length, and never printed")
    func keys() throws {
        let a = SRTPMasterKey.random(for: .aesCM128HMACSHA1_80), b = SRTPMasterKey.random(for: .aesCM128HMACSHA1_80)
        #expect(a != b && a.keyAndSalt.count == 30)
        #expect(SRTPMasterKey.random(for: .aeadAES128GCM).keyAndSalt.count == 28)
        let hex = a.keyAndSalt.prefix(4).map { String($0, radix: 16) }.joined()
        #expect(!a.description.contains(hex) && "\(a)".contains("not shown"))
        #expect(throws: SRTPError.self) { try SRTPMasterKey(suite: .aeadAES128GCM, keyAndSalt: a.keyAndSalt) }
    }

    @Test("RFC 7983 §7: the first octet says STUN, DTLS or RTP", arguments: [
        (UInt8(0), PacketClass.stun), (3, .stun), (20, .dtls), (22, .dtls), (63, .dtls), (128, .rtp), (191, .rtp),
        (64, .turnChannel), (17, .zrtp), (100, .unknown), (255, .unknown),
    ])
    func demultiplexing(first: UInt8, expected: PacketClass) {
        #expect(PacketClass(firstOctet: first) == expected)
    }
}

/// Whether `haystack` contains `needle` as a contiguous run.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
}
