import RTP
import Testing

@Suite("RTP and RTCP packets")
struct RTPPacketTests {
    @Test("a packet with CSRCs, a header extension and padding round-trips, and the in-place header agrees")
    func roundTrip() throws {
        let packet = RTPPacket(marker: true, payloadType: 97, sequenceNumber: 65_535, timestamp: 0xDEAD_BEEF, ssrc: 0x1234_5678,
                               csrcs: [1, 2], headerExtension: .init(profile: 0xBEDE, data: [0x10, 0xAA, 0, 0]),
                               payload: [1, 2, 3, 4, 5], paddingCount: 3)
        let bytes = packet.bytes
        #expect(bytes.count == 12 + 8 + 4 + 4 + 5 + 3)
        #expect(bytes[0] == 0xB2 && bytes[1] == 0xE1)   // V=2 P X CC=2; M PT=97
        #expect(try RTPPacket(parsing: bytes) == packet)
        let header = try bytes.withUnsafeBytes { try RTPHeader(parsing: $0) }
        #expect(header.payloadRange == 28..<33 && header.paddingCount == 3 && header.csrcCount == 2)
    }

    @Test("malformed packets are refused, never trapped on", arguments: [
        ([UInt8](repeating: 0x80, count: 11), "truncated packet: an RTP header needs 12 bytes, got 11"),
        ([0x40] + [UInt8](repeating: 0, count: 11), "RTP version 1, expected 2"),
        ([0x8F] + [UInt8](repeating: 0, count: 11), "truncated packet: 15 CSRCs do not fit in 12 bytes"),
        ([0x90] + [UInt8](repeating: 0, count: 11) + [0, 0, 0, 9], "truncated packet: the header extension of 9 words does not fit"),
        ([0xA0] + [UInt8](repeating: 0, count: 11) + [0, 0, 0, 0], "bad padding count 0"),
        ([0xA0] + [UInt8](repeating: 0, count: 11) + [0, 0, 0, 17], "bad padding count 17"),
    ])
    func malformed(bytes: [UInt8], message: String) {
        #expect {
            _ = try RTPPacket(parsing: bytes)
        } throws: { error in
            "\(error)" == message
        }
    }

    @Test("an SR + SDES CNAME + BYE compound round-trips; a negative cumulative loss keeps its sign")
    func rtcpCompound() throws {
        let block = ReportBlock(ssrc: 7, fractionLost: 64, cumulativeLost: -3, extendedHighestSequence: 0x0001_0005,
                                jitter: 120, lastSenderReport: 0x1234_5678, delaySinceLastSenderReport: 65_536)
        let packets: [RTCPPacket] = [
            .senderReport(ssrc: 9, sender: SenderInfo(ntpTimestamp: 0x0102_0304_0506_0708, rtpTimestamp: 160, packetCount: 50,
                                                      octetCount: 8_000), reports: [block]),
            .sourceDescription([.cname(9, "callwire@127.0.0.1")]),
            .goodbye(ssrcs: [9], reason: "call ended"),
        ]
        let bytes = RTCPCompound.serialize(packets)
        #expect(bytes.count % 4 == 0)
        #expect(try RTCPCompound.parse(bytes) == packets)
        if case .sourceDescription(let chunks) = packets[1] { #expect(chunks[0].cname == "callwire@127.0.0.1") }
    }

    @Test("RTCP length fields that overrun the datagram are refused")
    func rtcpMalformed() {
        var bytes = RTCPCompound.serialize([.receiverReport(ssrc: 1, reports: [])])
        bytes[3] = 9
        #expect(throws: RTPParseError.self) { try RTCPCompound.parse(bytes) }
        #expect(throws: RTPParseError.self) { try RTCPCompound.parse([0x81, 201, 0, 1, 0, 0, 0, 1]) }  // RR claims 1 block
    }

    @Test("telephone-event payloads carry event, end bit, volume and duration")
    func telephoneEvent() {
        let event = TelephoneEvent(event: 11, isEnd: true, volume: 10, duration: 800)
        #expect(event.bytes == [11, 0x8A, 0x03, 0x20])
        #expect(TelephoneEvent(payload: event.bytes) == event)
        #expect(event.key == "#" && TelephoneEvent.code(for: "d") == 15)
    }
}
