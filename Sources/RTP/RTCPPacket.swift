/// One RTCP packet (RFC 3550 §6.4–6.6). Several travel together in a compound packet.
public enum RTCPPacket: Sendable, Hashable {
    /// SR (200): a sender's clock and counts, plus reception reports.
    case senderReport(ssrc: UInt32, sender: SenderInfo, reports: [ReportBlock])
    /// RR (201): reception reports from a source that did not send.
    case receiverReport(ssrc: UInt32, reports: [ReportBlock])
    /// SDES (202): source descriptions (CNAME, NAME, …).
    case sourceDescription([SourceDescriptionChunk])
    /// BYE (203): sources leaving, with an optional reason.
    case goodbye(ssrcs: [UInt32], reason: String?)
    /// Any other type (APP, feedback, XR), kept as bytes after the 4-byte header.
    case other(type: UInt8, count: UInt8, body: [UInt8])

    /// The packet type number.
    public var packetType: UInt8 {
        switch self {
        case .senderReport: 200
        case .receiverReport: 201
        case .sourceDescription: 202
        case .goodbye: 203
        case .other(let type, _, _): type
        }
    }
}

/// The sender information of an SR (RFC 3550 §6.4.1).
public struct SenderInfo: Sendable, Hashable {
    /// Wall-clock time of the report, 64-bit NTP format.
    public var ntpTimestamp: UInt64
    /// The same instant in the RTP clock.
    public var rtpTimestamp: UInt32
    /// Packets sent since starting.
    public var packetCount: UInt32
    /// Payload octets sent since starting.
    public var octetCount: UInt32

    /// Creates sender information.
    public init(ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32) {
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
    }

    /// The middle 32 bits of the NTP timestamp, echoed as LSR in reports (§6.4.1).
    public var compactNTP: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp >> 16) }
}

/// A reception report block (RFC 3550 §6.4.1).
public struct ReportBlock: Sendable, Hashable {
    /// The source reported on.
    public var ssrc: UInt32
    /// Packets lost since the previous report, as a fraction × 256.
    public var fractionLost: UInt8
    /// Packets lost since the start (24-bit signed: duplicates can make it negative).
    public var cumulativeLost: Int32
    /// The highest sequence number received, extended with the wrap count.
    public var extendedHighestSequence: UInt32
    /// The interarrival jitter estimate, in timestamp units.
    public var jitter: UInt32
    /// The compact NTP time of the last SR received from the source (0 if none).
    public var lastSenderReport: UInt32
    /// The delay since that SR, in units of 1/65536 s.
    public var delaySinceLastSenderReport: UInt32

    /// Creates a report block.
    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, extendedHighestSequence: UInt32, jitter: UInt32,
                lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }
}

/// One SDES chunk: a source and its items (RFC 3550 §6.5).
public struct SourceDescriptionChunk: Sendable, Hashable {
    /// The source described.
    public var ssrc: UInt32
    /// `(type, text)` items; type 1 is CNAME.
    public var items: [Item]

    /// An SDES item.
    public struct Item: Sendable, Hashable {
        /// The item type (1 CNAME, 2 NAME, 3 EMAIL, … 8 PRIV).
        public var type: UInt8
        /// The item's text (UTF-8, at most 255 bytes).
        public var text: String

        /// Creates an item.
        public init(type: UInt8, text: String) {
            self.type = type
            self.text = text
        }
    }

    /// Creates a chunk.
    public init(ssrc: UInt32, items: [Item]) {
        self.ssrc = ssrc
        self.items = items
    }

    /// A chunk with only a CNAME, the item every compound packet must carry.
    public static func cname(_ ssrc: UInt32, _ name: String) -> SourceDescriptionChunk {
        SourceDescriptionChunk(ssrc: ssrc, items: [Item(type: 1, text: name)])
    }

    /// The CNAME item, if present.
    public var cname: String? { items.first { $0.type == 1 }?.text }
}
