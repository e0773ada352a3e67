import SDP
import Testing

@Suite("Offer/answer (RFC 3264)")
struct OfferAnswerTests {
    let ours: [CodecCapability] = [.speexWideband, .pcmu, .pcma]

    func answerer(codecs: [CodecCapability]? = nil, port: Int = 49_174, address: String = "host.biloxi.example.com",
                  direction: Direction = .sendrecv) -> OfferAnswer {
        OfferAnswer(options: MediaOptions(codecs: codecs ?? ours, address: address, port: port, direction: direction),
                    username: "bob", sessionID: 2_808_844_564)
    }

    func lines(_ media: MediaDescription) -> [String] {
        var session = SessionDescription(origin: Origin(sessionID: "1", sessionVersion: 1, addressType: "IP4", address: "x"))
        session.media = [media]
        return session.text.split(separator: "\r\n").drop { !$0.hasPrefix("m=") }.map(String.init)
    }

    @Test("RFC 4317 §2.1: the audio answer is Bob's (PCMU on 49174); the video stream is rejected with port 0")
    func rfc4317() throws {
        let offer = try SessionDescription(parsing: try testdata("sdp/rfc4317-2.1-offer.sdp"))
        let expected = try SessionDescription(parsing: try testdata("sdp/rfc4317-2.1-answer.sdp"))
        var bob = answerer(codecs: [.pcmu, .pcma])
        let (answer, audio) = try bob.makeAnswer(to: offer)
        #expect(lines(answer.media[0]) == lines(expected.media[0]))
        #expect(answer.connection == expected.connection)
        #expect(answer.media[1].port == 0 && answer.media[1].type == "video" && answer.media[1].formats == ["31", "32"])
        #expect(audio.codec == RTPMap(payloadType: 0, encoding: "PCMU", clockRate: 8_000))
        #expect(audio.remoteAddress == "host.atlanta.example.com" && audio.remotePort == 49_170 && audio.remoteRTCPPort == 49_171)
        #expect(audio.direction == .sendrecv && !audio.remoteHold && audio.telephoneEvent == nil)
    }

    @Test("no common codec: the error names what was offered and what the pipeline handles, for a 488 Warning")
    func noCommonCodec() throws {
        let offer = try SessionDescription(parsing: """
            v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
            m=audio 5004 RTP/AVP 111 101\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/48000\r\n
            """)
        var side = answerer()
        #expect {
            _ = try side.makeAnswer(to: offer)
        } throws: { error in
            guard let error = error as? NegotiationError else { return false }
            return error.reason == "offer had only opus/48000/2; this pipeline handles speex/16000, PCMU/8000, PCMA/8000"
                && error.warningHeader(agent: "callwire") == "305 callwire \"\(error.reason)\""
        }
        let video = try SessionDescription(parsing: "v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nt=0 0\r\nm=video 5006 RTP/AVP 96\r\n")
        #expect {
            _ = try side.makeAnswer(to: video)
        } throws: { error in
            (error as? NegotiationError)?.reason == "offer had no audio stream (only video); this pipeline handles speex/16000, PCMU/8000, PCMA/8000"
        }
    }

    @Test("the answer keeps the offer's payload numbers and takes the first common codec in the offer's order")
    func keepsPayloadNumbers() throws {
        let offer = try SessionDescription(parsing: """
            v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
            m=audio 5004 RTP/AVP 18 110 8 0 96\r\na=rtpmap:110 SPEEX/16000\r\na=rtpmap:96 telephone-event/16000\r\n\
            a=fmtp:96 0-15\r\na=ptime:20\r\n
            """)
        var side = answerer()
        let (answer, audio) = try side.makeAnswer(to: offer)
        #expect(answer.media[0].formats == ["110", "96"])
        #expect(audio.codec.payloadType == 110 && audio.codec.clockRate == 16_000)
        #expect(audio.telephoneEvent == RTPMap(payloadType: 96, encoding: "telephone-event", clockRate: 16_000))
        #expect(answer.media[0].attributes.contains(Attribute("fmtp", "96 0-16")))
        #expect(answer.media[0].packetTime == 20)
    }

    @Test("hold: sendonly is answered recvonly; the old c=0.0.0.0 hold stops this side sending",
          arguments: [("a=sendonly\r\n", "c=IN IP4 192.0.2.1", Direction.recvonly),
                      ("a=inactive\r\n", "c=IN IP4 192.0.2.1", Direction.inactive),
                      ("", "c=IN IP4 0.0.0.0", Direction.recvonly)])
    func hold(attribute: String, connection: String, expected: Direction) throws {
        let offer = try SessionDescription(parsing: "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\n\(connection)\r\nt=0 0\r\n"
                                           + "m=audio 5004 RTP/AVP 0\r\n\(attribute)")
        var side = answerer()
        let (answer, audio) = try side.makeAnswer(to: offer)
        #expect(audio.remoteHold)
        #expect(audio.direction == expected)
        #expect(answer.media[0].direction == expected)
    }

    @Test("an offer lists every codec, telephone-event per clock rate, ptime, direction; re-offers bump the version only on change")
    func offers() throws {
        var alice = OfferAnswer(options: MediaOptions(codecs: ours, address: "127.0.0.1", port: 4_000, rtcpPort: 4_003),
                                sessionID: 42)
        let first = alice.makeOffer()
        let audio = first.media[0]
        #expect(audio.formats == ["98", "0", "8", "101", "100"])
        #expect(audio.rtpMap(for: 98) == RTPMap(payloadType: 98, encoding: "speex", clockRate: 16_000))
        #expect(audio.rtpMap(for: 100)?.clockRate == 16_000 && audio.formatParameters(for: 101) == "0-16")
        #expect(audio.packetTime == 20 && audio.direction == .sendrecv && audio.rtcp?.port == 4_003)
        #expect(first.origin.sessionVersion == 42)
        #expect(try SessionDescription(parsing: first.text) == first, "what we write, we read back")
        #expect(alice.makeOffer().origin.sessionVersion == 42, "the same offer again keeps the version")
        alice.options.direction = .sendonly
        let hold = alice.makeOffer()
        #expect(hold.origin.sessionVersion == 43 && hold.media[0].direction == .sendonly)
    }

    @Test("reading an answer: the codec and events it chose, its address and ports; rejection and strangers refused")
    func readingAnswers() throws {
        var alice = OfferAnswer(options: MediaOptions(codecs: ours, address: "127.0.0.1", port: 4_000), sessionID: 7)
        _ = alice.makeOffer()
        let answer = try SessionDescription(parsing: """
            v=0\r\no=- 9 9 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
            m=audio 6000 RTP/AVP 0 101\r\nc=IN IP4 127.0.0.3\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\na=rtcp:6010\r\n
            """)
        let audio = try alice.acceptAnswer(answer)
        #expect(audio.codec.encoding == "PCMU" && audio.telephoneEvent?.payloadType == 101)
        #expect(audio.remoteAddress == "127.0.0.3" && audio.remotePort == 6_000 && audio.remoteRTCPPort == 6_010)
        #expect(audio.packetTime == 30)

        let rejected = try SessionDescription(parsing: "v=0\r\no=- 9 9 IN IP4 a\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n")
        #expect(throws: NegotiationError.self) { try alice.acceptAnswer(rejected) }
        let stranger = try SessionDescription(parsing: "v=0\r\no=- 9 9 IN IP4 a\r\ns=-\r\nt=0 0\r\nm=audio 6000 RTP/AVP 18\r\n")
        #expect {
            _ = try alice.acceptAnswer(stranger)
        } throws: { error in
            "\(error)".contains("G729/8000, which was not offered")
        }
    }

    @Test("Opus: each side's fmtp describes itself — the answer writes this side's, and NegotiatedAudio keeps the peer's")
    func opusParametersPerSide() throws {
        let offer = try SessionDescription(parsing: """
            v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
            m=audio 5004 RTP/AVP 111 9 0\r\na=rtpmap:111 opus/48000/2\r\n\
            a=fmtp:111 maxplaybackrate=16000;sprop-stereo=1;stereo=1\r\n
            """)
        var opus = CodecCapability.opus
        opus.formatParameters = "maxplaybackrate=48000;useinbandfec=1"
        var side = answerer(codecs: [opus, .g722, .pcmu])
        let (answer, audio) = try side.makeAnswer(to: offer)
        #expect(answer.media[0].formatParameters(for: 111) == "maxplaybackrate=48000;useinbandfec=1")
        #expect(audio.codec == RTPMap(payloadType: 111, encoding: "opus", clockRate: 48_000, channels: 2))
        #expect(audio.formatParameters == "maxplaybackrate=16000;sprop-stereo=1;stereo=1")
        let parameters = FormatParameters(audio.formatParameters)
        #expect(parameters.int("MaxPlaybackRate") == 16_000 && parameters.flag("stereo") && !parameters.flag("useinbandfec"))

        var offerer = OfferAnswer(options: MediaOptions(codecs: [opus], address: "127.0.0.1", port: 4_000), sessionID: 7)
        #expect(offerer.makeOffer().media[0].formatParameters(for: 96) == "maxplaybackrate=48000;useinbandfec=1")
        let bare = try SessionDescription(parsing: """
            v=0\r\no=- 9 9 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 6000 RTP/AVP 96\r\n\
            a=rtpmap:96 opus/48000/2\r\n
            """)
        #expect(try offerer.acceptAnswer(bare).formatParameters == nil, "an answer without fmtp means RFC 7587's defaults, not our own")
    }

    @Test("G.722 is static payload type 9 on an 8000 Hz clock (RFC 3551 §4.5.2), matched with or without an rtpmap")
    func g722() throws {
        #expect(CodecCapability.g722.rtpMap().attributeValue == "9 G722/8000")
        let offer = try SessionDescription(parsing: """
            v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 9 3\r\n
            """)
        var side = answerer(codecs: [.gsm, .g722])
        let (_, audio) = try side.makeAnswer(to: offer)
        #expect(audio.codec == RTPMap(payloadType: 9, encoding: "G722", clockRate: 8_000))
    }

    @Test("fmtp lists: spaces and case forgiven, order kept, flags default to 0")
    func formatParameterLists() {
        let list = FormatParameters(" maxplaybackrate=16000 ;  useinbandfec=1;usedtx ; x=a=b")
        #expect(list.entries.map(\.name) == ["maxplaybackrate", "useinbandfec", "usedtx", "x"])
        #expect(list["USEINBANDFEC"] == "1" && list["usedtx"] == "" && list["x"] == "a=b" && list["stereo"] == nil)
        #expect(list.flag("useinbandfec") && !list.flag("usedtx") && !list.flag("stereo"))
        #expect(list.description == "maxplaybackrate=16000;useinbandfec=1;usedtx;x=a=b")
        #expect(FormatParameters("0-16").entries.map(\.name) == ["0-16"])
        #expect(FormatParameters(nil).entries.isEmpty)
    }
}
