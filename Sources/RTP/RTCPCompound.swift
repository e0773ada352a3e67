/// Parsing and writing RTCP compound packets (RFC 3550 §6.1).
public enum RTCPCompound {
    /// Parses every packet of a compound RTCP packet.
    ///
    /// Checks what RFC 3550 §A.2 checks — version 2 everywhere, each length inside the datagram,
    /// the lengths adding up exactly — but not that the first packet is an SR or RR, so reduced-size
    /// RTCP (RFC 5506) and lone BYEs are accepted.
    public static func parse(_ bytes: some Collection<UInt8>) throws(RTPParseError) -> [RTCPPacket] {
        let data = Array(bytes)
        var packets: [RTCPPacket] = []
        var offset = 0
        guard data.count >= 4 else { throw .truncated("an RTCP packet needs 4 bytes, got \(data.count)") }
        while offset < data.count {
            guard offset + 4 <= data.count else { throw .truncated("\(data.count - offset) stray bytes after the last RTCP packet") }
            let first = data[offset]
            guard first >> 6 == 2 else { throw .version(Int(first >> 6)) }
            let count = first & 0x1F
            let type = data[offset + 1]
            let length = 4 * (Int(data.readUInt16(at: offset + 2)) + 1)
            guard offset + length <= data.count else {
                throw .truncated("RTCP packet type \(type) claims \(length) bytes, \(data.count - offset) remain")
            }
            var end = offset + length
            if first & 0x20 != 0 {
                let padding = Int(data[end - 1])
                guard padding > 0, padding <= length - 4 else { throw .padding(padding) }
                end -= padding
            }
            let body = Array(data[(offset + 4)..<end])
            packets.append(try parsePacket(type: type, count: count, body: body))
            offset += length
        }
        return packets
    }

    private static func parsePacket(type: UInt8, count: UInt8, body: [UInt8]) throws(RTPParseError) -> RTCPPacket {
        switch type {
        case 200:
            guard body.count >= 24 + 24 * Int(count) else { throw .rtcp("SR with \(count) report(s) needs \(24 + 24 * Int(count)) bytes") }
            let sender = SenderInfo(ntpTimestamp: UInt64(body.readUInt32(at: 4)) << 32 | UInt64(body.readUInt32(at: 8)),
                                    rtpTimestamp: body.readUInt32(at: 12), packetCount: body.readUInt32(at: 16),
                                    octetCount: body.readUInt32(at: 20))
            return .senderReport(ssrc: body.readUInt32(at: 0), sender: sender, reports: reportBlocks(body, at: 24, count: count))
        case 201:
            guard body.count >= 4 + 24 * Int(count) else { throw .rtcp("RR with \(count) report(s) needs \(4 + 24 * Int(count)) bytes") }
            return .receiverReport(ssrc: body.readUInt32(at: 0), reports: reportBlocks(body, at: 4, count: count))
        case 202:
            return .sourceDescription(try chunks(body, count: count))
        case 203:
            guard body.count >= 4 * Int(count) else { throw .rtcp("BYE with \(count) source(s) needs \(4 * Int(count)) bytes") }
            let ssrcs = (0..<Int(count)).map { body.readUInt32(at: 4 * $0) }
            var reason: String?
            let at = 4 * Int(count)
            if at < body.count {
                let length = Int(body[at])
                guard at + 1 + length <= body.count else { throw .rtcp("BYE reason overruns the packet") }
                reason = String(decoding: body[(at + 1)..<(at + 1 + length)], as: UTF8.self)
            }
            return .goodbye(ssrcs: ssrcs, reason: reason)
        default:
            return .other(type: type, count: count, body: body)
        }
    }

    private static func reportBlocks(_ body: [UInt8], at start: Int, count: UInt8) -> [ReportBlock] {
        (0..<Int(count)).map { i in
            let o = start + 24 * i
            let lost = body.readUInt32(at: o + 4) & 0x00FF_FFFF
            return ReportBlock(ssrc: body.readUInt32(at: o), fractionLost: body[o + 4],
                               cumulativeLost: Int32(bitPattern: lost << 8) >> 8,   // sign-extend 24 bits
                               extendedHighestSequence: body.readUInt32(at: o + 8), jitter: body.readUInt32(at: o + 12),
                               lastSenderReport: body.readUInt32(at: o + 16), delaySinceLastSenderReport: body.readUInt32(at: o + 20))
        }
    }

    private static func chunks(_ body: [UInt8], count: UInt8) throws(RTPParseError) -> [SourceDescriptionChunk] {
        var result: [SourceDescriptionChunk] = []
        var offset = 0
        for _ in 0..<Int(count) {
            guard offset + 4 <= body.count else { throw .rtcp("SDES chunk overruns the packet") }
            var chunk = SourceDescriptionChunk(ssrc: body.readUInt32(at: offset), items: [])
            offset += 4
            while true {
                guard offset < body.count else { throw .rtcp("SDES chunk without its terminating null item") }
                let type = body[offset]
                if type == 0 {
                    offset = (offset + 4) & ~3   // the null item pads the chunk to a 32-bit boundary
                    break
                }
                guard offset + 2 <= body.count, offset + 2 + Int(body[offset + 1]) <= body.count else {
                    throw .rtcp("SDES item overruns the packet")
                }
                let length = Int(body[offset + 1])
                chunk.items.append(.init(type: type, text: String(decoding: body[(offset + 2)..<(offset + 2 + length)], as: UTF8.self)))
                offset += 2 + length
            }
            result.append(chunk)
        }
        return result
    }

    /// Writes `packets` as one compound packet.
    public static func serialize(_ packets: [RTCPPacket]) -> [UInt8] {
        var out: [UInt8] = []
        for packet in packets { append(packet, to: &out) }
        return out
    }

    private static func append(_ packet: RTCPPacket, to out: inout [UInt8]) {
        var body: [UInt8] = []
        var count: UInt8 = 0
        switch packet {
        case .senderReport(let ssrc, let sender, let reports):
            body.appendUInt32(ssrc)
            body.appendUInt32(UInt32(truncatingIfNeeded: sender.ntpTimestamp >> 32))
            body.appendUInt32(UInt32(truncatingIfNeeded: sender.ntpTimestamp))
            body.appendUInt32(sender.rtpTimestamp)
            body.appendUInt32(sender.packetCount)
            body.appendUInt32(sender.octetCount)
            for report in reports.prefix(31) { appendReport(report, to: &body) }
            count = UInt8(min(reports.count, 31))
        case .receiverReport(let ssrc, let reports):
            body.appendUInt32(ssrc)
            for report in reports.prefix(31) { appendReport(report, to: &body) }
            count = UInt8(min(reports.count, 31))
        case .sourceDescription(let chunks):
            for chunk in chunks.prefix(31) {
                body.appendUInt32(chunk.ssrc)
                for item in chunk.items {
                    let text = Array(item.text.utf8.prefix(255))
                    body.append(item.type)
                    body.append(UInt8(text.count))
                    body.append(contentsOf: text)
                }
                // At least one null octet ends the list and pads the chunk to 32 bits.
                repeat { body.append(0) } while body.count % 4 != 0
            }
            count = UInt8(min(chunks.count, 31))
        case .goodbye(let ssrcs, let reason):
            for ssrc in ssrcs.prefix(31) { body.appendUInt32(ssrc) }
            count = UInt8(min(ssrcs.count, 31))
            if let reason {
                let text = Array(reason.utf8.prefix(255))
                body.append(UInt8(text.count))
                body.append(contentsOf: text)
                while body.count % 4 != 0 { body.append(0) }
            }
        case .other(_, let c, let b):
            body = b
            count = c
            while body.count % 4 != 0 { body.append(0) }
        }
        out.append(0x80 | (count & 0x1F))
        out.append(packet.packetType)
        out.appendUInt16(UInt16(body.count / 4))
        out.append(contentsOf: body)
    }

    private static func appendReport(_ report: ReportBlock, to body: inout [UInt8]) {
        body.appendUInt32(report.ssrc)
        let lost = UInt32(bitPattern: max(min(report.cumulativeLost, 0x7F_FFFF), -0x80_0000)) & 0x00FF_FFFF
        body.appendUInt32(UInt32(report.fractionLost) << 24 | lost)
        body.appendUInt32(report.extendedHighestSequence)
        body.appendUInt32(report.jitter)
        body.appendUInt32(report.lastSenderReport)
        body.appendUInt32(report.delaySinceLastSenderReport)
    }
}
