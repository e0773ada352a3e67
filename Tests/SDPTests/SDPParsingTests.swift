import Foundation
import SDP
import TestSupport
import Testing

/// A file of `Tests/Fixtures`.
func testdata(_ path: String) throws -> Data { Data(try Fixtures.bytes(path)) }

@Suite("SDP parsing and serialization")
struct SDPParsingTests {
    @Test("the RFC 4317 §2.1 offer and answer parse and serialize back byte for byte",
          arguments: ["sdp/rfc4317-2.1-offer.sdp", "sdp/rfc4317-2.1-answer.sdp"])
    func roundTrip(file: String) throws {
        let bytes = try testdata(file)
        let session = try SessionDescription(parsing: bytes)
        #expect(session.text == String(decoding: bytes, as: UTF8.self))
    }

    @Test("the offer's fields land where RFC 8866 puts them")
    func fields() throws {
        let offer = try SessionDescription(parsing: try testdata("sdp/rfc4317-2.1-offer.sdp"))
        #expect(offer.origin == Origin(username: "alice", sessionID: "2890844526", sessionVersion: 2_890_844_526,
                                       addressType: "IP4", address: "host.atlanta.example.com"))
        #expect(offer.connection?.address == "host.atlanta.example.com")
        #expect(offer.media.map(\.type) == ["audio", "video"])
        let audio = offer.media[0]
        #expect(audio.port == 49_170 && audio.payloadTypes == [0, 8, 97])
        #expect(audio.rtpMap(for: 97) == RTPMap(payloadType: 97, encoding: "iLBC", clockRate: 8_000))
        #expect(offer.media[1].rtpMap(for: 32)?.encoding == "MPV")
    }

    @Test("LF line ends, trailing spaces, unknown lines and attributes are tolerated and kept")
    func tolerant() throws {
        let text = "v=0\no=- 1 2 IN IP4 10.0.0.1 \ns=call\nc=IN IP4 10.0.0.1\nt=0 0\nx=unknown type letter\n"
            + "m=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\na=x-vendor:thing\n"
            + "a=ptime:30\na=sendonly"
        let session = try SessionDescription(parsing: text)
        let audio = session.media[0]
        #expect(audio.rtpMap(for: 0)?.encoding == "PCMU", "static payload type without rtpmap")
        #expect(audio.formatParameters(for: 101) == "0-15")
        #expect(audio.attributes.contains(Attribute("x-vendor", "thing")))
        #expect(audio.packetTime == 30)
        #expect(audio.direction == .sendonly)
        #expect(session.origin.address == "10.0.0.1")
    }

    @Test("malformed descriptions are refused with the line and the reason", arguments: [
        ("v=1\r\no=- 1 1 IN IP4 a\r\ns=-\r\n", "SDP line 1: the first line must be v=0"),
        ("v=0\r\ns=-\r\n", "SDP line 1: the o= line is missing"),
        ("v=0\r\no=- 1 x IN IP4 a\r\n", "SDP line 2: o= session version 'x' is not a number"),
        ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio port RTP/AVP 0\r\n", "SDP line 3: m= port 'port' is not a port number"),
        ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 70000 RTP/AVP 0\r\n", "SDP line 3: m= port '70000' is not a port number"),
        // Found by FuzzSDP: a port field of a lone slash trapped.
        ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio / RTP/AVP 0\r\n", "SDP line 3: m= port '/' is not a port number"),
        ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 4000/ RTP/AVP 0\r\n", "SDP line 3: m= port count '' is not a number"),
        ("v=0\r\no=- 1 1 IN IP4 a\r\nb=AS\r\n", "SDP line 3: b= needs <type>:<number>, got 'AS'"),
        ("v=0\r\nhello\r\n", "SDP line 2: expected <type>=<value>"),
        ("", "SDP line 1: the description is empty"),
    ])
    func malformed(text: String, message: String) {
        #expect {
            _ = try SessionDescription(parsing: text)
        } throws: { error in
            "\(error)" == message
        }
    }
}
