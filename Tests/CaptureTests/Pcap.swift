import Foundation
import TestSupport

/// A UDP datagram from a libpcap capture (Ethernet, IPv4; what the shared captures hold).
struct CapturedDatagram {
    var time: Double
    var source: String, destination: String
    var payload: [UInt8]
}

/// Reads the UDP datagrams of a classic libpcap file (RFC-less but stable format: a 24-byte
/// global header, then 16-byte record headers), skipping anything that is not Ethernet/IPv4/UDP.
enum Pcap {
    static func udpDatagrams(_ data: Data) throws -> [CapturedDatagram] {
        let bytes = [UInt8](data)
        guard bytes.count >= 24 else { throw PcapError("file too short for a pcap header") }
        let magic = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        guard magic == 0xA1B2_C3D4 else { throw PcapError("not a little-endian microsecond pcap file") }
        func le32(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24 }
        func be16(_ o: Int) -> Int { Int(bytes[o]) << 8 | Int(bytes[o + 1]) }
        guard le32(20) == 1 else { throw PcapError("link type \(le32(20)), expected Ethernet") }
        var datagrams: [CapturedDatagram] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let time = Double(le32(offset)) + Double(le32(offset + 4)) / 1e6
            let length = le32(offset + 8)
            let start = offset + 16
            offset = start + length
            guard offset <= bytes.count, length >= 14 + 20 + 8 else { continue }
            var p = start + 12
            var etherType = be16(p)
            p += 2
            if etherType == 0x8100 {
                etherType = be16(p + 2)
                p += 4
            }
            guard etherType == 0x0800, bytes[p] >> 4 == 4, bytes[p + 9] == 17 else { continue }
            let headerLength = Int(bytes[p] & 0x0F) * 4
            let ip = { (o: Int) in "\(bytes[o]).\(bytes[o + 1]).\(bytes[o + 2]).\(bytes[o + 3])" }
            let udp = p + headerLength
            let udpLength = be16(udp + 4)
            guard udp + 8 <= offset, udpLength >= 8, udp + udpLength <= offset else { continue }
            datagrams.append(CapturedDatagram(
                time: time, source: "\(ip(p + 12)):\(be16(udp))", destination: "\(ip(p + 16)):\(be16(udp + 2))",
                payload: Array(bytes[(udp + 8)..<(udp + udpLength)])))
        }
        return datagrams
    }
}

struct PcapError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A capture from `Tests/Fixtures/captures`.
func capture(_ name: String) throws -> [CapturedDatagram] {
    try Pcap.udpDatagrams(Data(Fixtures.bytes("captures/" + name)))
}

extension CapturedDatagram {
    /// Whether the payload starts like a SIP request or response.
    var looksLikeSIP: Bool {
        let head = String(decoding: payload.prefix(12), as: UTF8.self)
        return head.hasPrefix("SIP/2.0 ") || ["INVITE ", "ACK ", "BYE ", "CANCEL ", "REGISTER ", "OPTIONS ", "INFO ",
                                             "NOTIFY ", "SUBSCRIBE ", "MESSAGE ", "UPDATE ", "PRACK ", "REFER "]
            .contains { head.hasPrefix($0) }
    }

    /// Whether the payload looks like RTP (version 2, not an RTCP packet type).
    var looksLikeRTP: Bool {
        payload.count >= 12 && payload[0] >> 6 == 2 && !(200...204).contains(Int(payload[1]))
    }
}
