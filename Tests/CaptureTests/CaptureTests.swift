import G711
import RTP
import SDP
import SIPCore
import Testing

@Suite("Real-world captures (Tests/Fixtures/captures)")
struct CaptureTests {
    static let files = ["SIP_DTMF2.cap", "sip-rtp-g711.pcap", "SIP_CALL_RTP_G711"]

    @Test("every SIP message parses and validates, and every SDP body parses",
          arguments: [("SIP_DTMF2.cap", 29), ("sip-rtp-g711.pcap", 10), ("SIP_CALL_RTP_G711", 14)])
    func sipAndSDP(file: String, messages: Int) throws {
        let datagrams = try capture(file).filter(\.looksLikeSIP)
        #expect(datagrams.count == messages, "SIP messages in the capture (captures/README.md)")
        var bodies = 0
        for datagram in datagrams {
            let message = try SIPMessage(datagram: datagram.payload)
            _ = try message.validate()
            if let type = try message.contentType, type.type == "application", type.subtype == "sdp" {
                let sdp = try SessionDescription(parsing: message.body)
                #expect(!sdp.media.isEmpty)
                bodies += 1
            }
        }
        #expect(bodies >= 2, "offers and answers were found")
    }

    @Test("the G.711 RTP streams decode with continuous timestamps", arguments: files)
    func rtpStreams(file: String) throws {
        var streams: [String: [RTPPacket]] = [:]
        for datagram in try capture(file) where datagram.looksLikeRTP {
            guard let packet = try? RTPPacket(parsing: datagram.payload), packet.payloadType == 0 || packet.payloadType == 8 else {
                continue
            }
            streams["\(datagram.source)>\(datagram.destination)/\(packet.ssrc)", default: []].append(packet)
        }
        let long = streams.filter { $0.value.count >= 100 }
        #expect(!long.isEmpty, "G.711 streams found: \(streams.mapValues(\.count))")
        var withSound = 0
        for (name, packets) in long {
            var continuous = 0, gaps = 0
            for (a, b) in zip(packets, packets.dropFirst()) {
                let sequenceStep = Int(b.sequenceNumber &- a.sequenceNumber)
                let timestampStep = Int(b.timestamp &- a.timestamp)
                // Continuous: the timestamp advances by the samples of the packets in between.
                if timestampStep == sequenceStep * a.payload.count { continuous += 1 } else { gaps += 1 }
            }
            #expect(Double(continuous) / Double(packets.count - 1) > 0.98, "\(name): \(gaps) discontinuities")
            // Decoding: µ-law/A-law bytes become audio that is not all silence.
            var pcm = [Int16](repeating: 0, count: packets.reduce(0) { $0 + $1.payload.count })
            var offset = 0
            for packet in packets {
                packet.payload.withUnsafeBufferPointer { bytes in
                    pcm.withUnsafeMutableBufferPointer { out in
                        if packet.payloadType == 0 {
                            G711.decodeMuLaw(bytes.baseAddress!, into: out.baseAddress! + offset, count: bytes.count)
                        } else {
                            G711.decodeALaw(bytes.baseAddress!, into: out.baseAddress! + offset, count: bytes.count)
                        }
                    }
                }
                offset += packet.payload.count
            }
            #expect(pcm.count == packets.count * packets[0].payload.count || gapsAllowed(packets), "\(name) decodes whole")
            if pcm.contains(where: { abs(Int($0)) > 500 }) { withSound += 1 }
        }
        #expect(withSound >= 1, "at least one stream carries sound")
    }

    func gapsAllowed(_ packets: [RTPPacket]) -> Bool { Set(packets.map(\.payload.count)).count > 1 }

    @Test("SIP_DTMF2.cap: the RFC 2833 events are exactly the keys 6 7 8 9 1 2 3")
    func rfc2833Keys() throws {
        var receiver = TelephoneEventReceiver()
        var keys: [Character] = []
        for datagram in try capture("SIP_DTMF2.cap") where datagram.looksLikeRTP {
            guard let packet = try? RTPPacket(parsing: datagram.payload), packet.payloadType == 96,
                  let event = TelephoneEvent(payload: packet.payload) else { continue }
            keys += receiver.receive(event, timestamp: packet.timestamp).compactMap { TelephoneEvent(event: $0.event, duration: 0).key }
        }
        if let last = receiver.flush() { keys += [TelephoneEvent(event: last.event, duration: 0).key].compactMap { $0 } }
        #expect(String(keys) == "6789123")
    }
}

