import Foundation
import G711

/// Writes a libpcap file of RTP packets carrying a G.711 tone, for sipp's `play_pcap_audio`
/// (Ethernet, IPv4, UDP; sipp re-addresses the packets to the call's media address and paces
/// them by their timestamps).
enum RTPCapture {
    /// A `seconds`-long `frequency` tone, 20 ms per packet, µ-law (payload type 0) or A-law (8).
    static func tone(frequency: Double, seconds: Double, aLaw: Bool, to path: String) throws {
        var file = Data()
        // Global header: magic, version 2.4, no zone offset, snap length, link type 1 (Ethernet).
        append32(&file, 0xA1B2_C3D4)
        append16(&file, 2)
        append16(&file, 4)
        append32(&file, 0)
        append32(&file, 0)
        append32(&file, 65_535)
        append32(&file, 1)
        let packets = Int(seconds * 50)
        var phase = 0.0
        for index in 0..<packets {
            var rtp: [UInt8] = [0x80, aLaw ? 8 : 0]
            rtp += bytes16(UInt16(truncatingIfNeeded: 1_000 + index)) + bytes32(UInt32(index * 160)) + bytes32(0x5EED_0001)
            for _ in 0..<160 {
                let sample = Int16(8_000 * sin(phase))
                phase += 2 * .pi * frequency / 8_000
                rtp.append(aLaw ? G711.aLaw(sample) : G711.muLaw(sample))
            }
            let udp = bytes16(4_000) + bytes16(4_002) + bytes16(UInt16(8 + rtp.count)) + bytes16(0) + rtp
            var ip: [UInt8] = [0x45, 0] + bytes16(UInt16(20 + udp.count)) + bytes16(UInt16(index & 0xFFFF)) + [0, 0, 64, 17, 0, 0]
            ip += [127, 0, 0, 1, 127, 0, 0, 1]
            let frame = [UInt8](repeating: 0, count: 12) + [0x08, 0x00] + ip + udp
            let microseconds = index * 20_000
            append32(&file, UInt32(microseconds / 1_000_000))
            append32(&file, UInt32(microseconds % 1_000_000))
            append32(&file, UInt32(frame.count))
            append32(&file, UInt32(frame.count))
            file.append(contentsOf: frame)
        }
        try file.write(to: URL(fileURLWithPath: path))
    }

    private static func bytes16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    private static func bytes32(_ value: UInt32) -> [UInt8] { bytes16(UInt16(value >> 16)) + bytes16(UInt16(value & 0xFFFF)) }
    // The pcap headers are in the writer's byte order (little-endian here), the packets in network order.
    private static func append16(_ data: inout Data, _ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    private static func append32(_ data: inout Data, _ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
}
