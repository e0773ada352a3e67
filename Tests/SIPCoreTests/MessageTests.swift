import SIPCore
import Testing

@Suite("SIP messages: framing, streams, serialization, responses")
struct MessageTests {
    static let invite = """
    INVITE sip:bob@biloxi.example.com SIP/2.0\r
    Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;rport\r
    Max-Forwards: 70\r
    To: Bob <sip:bob@biloxi.example.com>\r
    From: "Alice A." <sip:alice@atlanta.example.com>;tag=1928301774\r
    Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r
    CSeq: 314159 INVITE\r
    Contact: <sip:alice@pc33.atlanta.example.com>\r
    Content-Type: application/sdp\r
    Content-Length: 4\r
    \r
    v=0\r

    """

    @Test("compact forms and case are normalized")
    func headerNames() throws {
        let message = try SIPMessage(datagram: Array("""
        OPTIONS sip:x SIP/2.0\r
        v: SIP/2.0/UDP h;branch=z9hG4bK1\r
        f: <sip:a@h>;tag=1\r
        t: <sip:b@h>\r
        i: abc\r
        CSEQ: 1 OPTIONS\r
        l: 0\r
        \r

        """.utf8))
        let core = try message.validate()
        #expect(core.callID == "abc" && core.cseq == CSeq(1, .options))
        #expect(message.headers[.callID] == "abc")
        #expect(SIPHeaderName("i") == .callID && SIPHeaderName("call-id") == .callID)
        #expect(SIPHeaderName("X-Custom") == SIPHeaderName("x-custom"))
        #expect(String(decoding: message.serialized(), as: UTF8.self).contains("Call-ID: abc\r\n"))
    }

    @Test("serialize: Content-Length computed, CRLF or LF")
    func serialize() throws {
        var message = try SIPMessage(datagram: Array(Self.invite.utf8))
        message.body = Array("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n".utf8)
        let crlf = String(decoding: message.serialized(), as: UTF8.self)
        #expect(crlf.contains("Content-Length: 31\r\n\r\nv=0"))
        #expect(crlf.components(separatedBy: "Content-Length").count == 2)
        let lf = message.serialized(lineEnding: .lf)
        #expect(!String(decoding: lf.prefix(lf.count - message.body.count), as: UTF8.self).contains("\r"))
        let reparsed = try SIPMessage(datagram: lf)
        #expect(reparsed.body == message.body, "LF-only messages parse too")
    }

    @Test("a response copies Via, From, To, Call-ID, CSeq and tags To")
    func response() throws {
        let request = try SIPMessage(datagram: Array(Self.invite.utf8))
        let ringing = SIPMessage.response(to: request, status: 180, toTag: "xyz")
        let core = try ringing.validate()
        #expect(ringing.reason == "Ringing")
        #expect(core.to.tag == "xyz" && core.from.tag == "1928301774")
        #expect(core.topVia.branch == "z9hG4bKnashds8" && core.callID == "a84b4c76e66710@pc33.atlanta.example.com")
        #expect(core.cseq == CSeq(314159, .invite))
        let trying = SIPMessage.response(to: request, status: 100, toTag: "xyz")
        #expect(try trying.validate().to.tag == nil, "100 Trying carries no To tag")
    }

    @Test("stream framing: byte by byte, coalesced, keep-alives")
    func stream() throws {
        let bytes = Array(Self.invite.utf8)
        var parser = SIPStreamParser()
        var messages: [SIPMessage] = []
        parser.append(Array("\r\n\r\n".utf8))  // keep-alive
        for byte in bytes {
            parser.append([byte])
            while let message = try parser.next() { messages.append(message) }
        }
        #expect(messages.count == 1)
        #expect(messages.first?.bodyText == "v=0\r")
        parser.append(bytes + bytes + bytes)
        var more = 0
        while try parser.next() != nil { more += 1 }
        #expect(more == 3 && parser.bufferedByteCount == 0)
    }

    @Test("stream limits: oversized headers and bodies are refused")
    func streamLimits() {
        var parser = SIPStreamParser(maximumHeaderBytes: 64, maximumBodyBytes: 2)
        parser.append(Array(Self.invite.utf8))
        #expect(throws: SIPParseError.self) { try parser.next() }
        var bodyLimit = SIPStreamParser(maximumHeaderBytes: 4096, maximumBodyBytes: 2)
        bodyLimit.append(Array(Self.invite.utf8))
        #expect {
            try bodyLimit.next()
        } throws: { error in
            (error as? SIPParseError)?.responseStatus == 413
        }
    }

    @Test("errors say where and whether a 400 can be built")
    func errorReporting() throws {
        var text = Self.invite.replacingOccurrences(of: "CSeq: 314159 INVITE", with: "CSeq: 314159 BYE")
        var error: SIPParseError?
        do { _ = try SIPMessage(datagram: Array(text.utf8)).validate() } catch let e { error = e }
        #expect(error?.kind == .methodMismatch && error?.canRespond == true)
        text = Self.invite.replacingOccurrences(of: "Max-Forwards: 70", with: "Max-Forwards 70")
        do { _ = try SIPMessage(datagram: Array(text.utf8)) } catch let e { error = e }
        #expect(error?.kind == .headerLine && error?.offset != nil)
        #expect(error?.description.contains("Max-Forwards 70") == true)
    }

    @Test("Via parameters: received, rport, branch cookie, IPv6 sent-by")
    func via() throws {
        let message = try SIPMessage(datagram: Array(Self.invite.replacingOccurrences(
            of: "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;rport",
            with: "Via: SIP/2.0/TCP [2001:db8::5]:5070;rport=5071;received=192.0.2.9;branch=z9hG4bKx;ttl=16").utf8))
        let via = try message.validate().topVia
        #expect(via.transport == "TCP" && via.host == "2001:db8::5" && via.port == 5070)
        #expect(via.rport == .port(5071) && via.received == "192.0.2.9" && via.ttl == 16 && via.hasRFC3261Branch)
        #expect(via.sentBy == "[2001:db8::5]:5070")
        let again = try SIPMessage(datagram: Array(Self.invite.utf8))
        #expect(try again.validate().topVia.rport == .requested)
    }

    @Test("identifiers carry the branch cookie and do not repeat")
    func identifiers() {
        let branches = Set((0..<1000).map { _ in SIPIdentifiers.branch() })
        #expect(branches.count == 1000 && branches.allSatisfy { $0.hasPrefix("z9hG4bK") && $0.count == 29 })
        #expect(SIPIdentifiers.callID(host: "h").hasSuffix("@h"))
    }

    @Test("removing the top Via keeps the others, whether on one line or several")
    func removeTopVia() throws {
        var headers = SIPHeaders()
        headers.add(.via, "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2")
        headers.add(.via, "SIP/2.0/UDP c;branch=z9hG4bK3")
        headers.removeFirstValue(.via)
        #expect(headers.values(.via) == ["SIP/2.0/UDP b;branch=z9hG4bK2", "SIP/2.0/UDP c;branch=z9hG4bK3"])
        headers.prepend(.via, "SIP/2.0/UDP z;branch=z9hG4bK0")
        #expect(headers.values(.via).first == "SIP/2.0/UDP z;branch=z9hG4bK0")
    }

    @Test("firstVia parses the top Via alone: the first element of the first line, whatever follows")
    func firstVia() throws {
        func message(_ vias: String) throws -> SIPMessage {
            try SIPMessage(datagram: Array("OPTIONS sip:x SIP/2.0\r\n\(vias)Call-ID: a\r\nCSeq: 1 OPTIONS\r\n\r\n".utf8))
        }
        let two = try message("Via: SIP/2.0/UDP a.example;branch=z9hG4bK1;rport , SIP/2.0/TCP b.example\r\nVia: SIP/2.0/UDP c.example\r\n")
        let top = try #require(try two.firstVia)
        #expect(top.host == "a.example" && top.branch == "z9hG4bK1" && top.transport == "UDP")
        #expect(try two.vias.map(\.host) == ["a.example", "b.example", "c.example"])
        // A malformed lower Via does not hide the top one (validation rejects the message later).
        let lowerBad = try message("Via: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\nVia: garbage\r\n")
        #expect(try lowerBad.firstVia?.host == "a.example")
        #expect(throws: SIPHeaderError.self) { try lowerBad.vias }
        #expect(throws: SIPHeaderError.self) { try message("Via: SIP/2.0/UDP a.example;branch=z9hG4bK1 junk\r\n").firstVia }
        #expect(try message("").firstVia == nil)
    }
}
