/// An RTP data packet (RFC 3550 §5.1).
///
/// ```
///  0                   1                   2                   3
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers             | × CC
/// | extension: profile-defined (16) | length in words (16) | data | if X
/// |                            payload  ...   | padding | count   | if P
/// ```
public struct RTPPacket: Sendable, Hashable {
    /// The marker bit; for audio, the first packet of a talk spurt (RFC 3551 §4.1).
    public var marker: Bool
    /// The payload type (0–127).
    public var payloadType: UInt8
    /// The sequence number; wraps at 65535.
    public var sequenceNumber: UInt16
    /// The sampling instant of the payload's first sample, in the payload's clock.
    public var timestamp: UInt32
    /// The synchronization source.
    public var ssrc: UInt32
    /// Contributing sources (at most 15).
    public var csrcs: [UInt32]
    /// The header extension, if any (RFC 3550 §5.3.1).
    public var headerExtension: HeaderExtension?
    /// The payload, padding removed.
    public var payload: [UInt8]
    /// Padding octets to append when serializing (the last one holds the count); 0 for none.
    public var paddingCount: UInt8

    /// A header extension: a profile-defined word and data in 32-bit words.
    public struct HeaderExtension: Sendable, Hashable {
        /// The profile-defined 16 bits (0xBEDE for RFC 8285 one-byte headers).
        public var profile: UInt16
        /// The extension data; its length is a multiple of 4 when serialized (zero-padded).
        public var data: [UInt8]

        /// Creates an extension.
        public init(profile: UInt16, data: [UInt8]) {
            self.profile = profile
            self.data = data
        }
    }

    /// Creates a packet.
    public init(marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                csrcs: [UInt32] = [], headerExtension: HeaderExtension? = nil, payload: [UInt8], paddingCount: UInt8 = 0) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.headerExtension = headerExtension
        self.payload = payload
        self.paddingCount = paddingCount
    }

    /// Parses a packet.
    public init(parsing bytes: some Collection<UInt8>) throws(RTPParseError) {
        let array = Array(bytes)
        let parsed = array.withUnsafeBytes { buffer in Result { () throws(RTPParseError) in try RTPHeader(parsing: buffer) } }
        let header = try parsed.get()
        marker = header.marker
        payloadType = header.payloadType
        sequenceNumber = header.sequenceNumber
        timestamp = header.timestamp
        ssrc = header.ssrc
        csrcs = (0..<header.csrcCount).map { i in array.readUInt32(at: 12 + 4 * i) }
        if let range = header.extensionRange {
            headerExtension = HeaderExtension(profile: array.readUInt16(at: range.lowerBound - 4),
                                              data: Array(array[range]))
        } else {
            headerExtension = nil
        }
        payload = Array(array[header.payloadRange])
        paddingCount = header.paddingCount
    }

    /// The packet's bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(12 + 4 * csrcs.count + payload.count + Int(paddingCount) + 4 + (headerExtension?.data.count ?? 0))
        append(to: &out)
        return out
    }

    /// Appends the packet's bytes to `out`.
    public func append(to out: inout [UInt8]) {
        let extensionWords = headerExtension.map { ($0.data.count + 3) / 4 } ?? 0
        out.append(0x80 | (paddingCount > 0 ? 0x20 : 0) | (headerExtension != nil ? 0x10 : 0) | UInt8(min(csrcs.count, 15)))
        out.append((marker ? 0x80 : 0) | (payloadType & 0x7F))
        out.appendUInt16(sequenceNumber)
        out.appendUInt32(timestamp)
        out.appendUInt32(ssrc)
        for csrc in csrcs.prefix(15) { out.appendUInt32(csrc) }
        if let headerExtension {
            out.appendUInt16(headerExtension.profile)
            out.appendUInt16(UInt16(extensionWords))
            out.append(contentsOf: headerExtension.data)
            out.append(contentsOf: repeatElement(0, count: extensionWords * 4 - headerExtension.data.count))
        }
        out.append(contentsOf: payload)
        if paddingCount > 0 {
            out.append(contentsOf: repeatElement(0, count: Int(paddingCount) - 1))
            out.append(paddingCount)
        }
    }
}

/// An RTP header read in place, without copying the packet (the receive path's parser).
public struct RTPHeader: Sendable, Hashable {
    /// The marker bit.
    public var marker: Bool
    /// The payload type.
    public var payloadType: UInt8
    /// The sequence number.
    public var sequenceNumber: UInt16
    /// The timestamp.
    public var timestamp: UInt32
    /// The synchronization source.
    public var ssrc: UInt32
    /// How many CSRCs follow the fixed header.
    public var csrcCount: Int
    /// Where the extension data lies, if there is an extension.
    public var extensionRange: Range<Int>?
    /// Where the payload lies (padding excluded).
    public var payloadRange: Range<Int>
    /// How many padding octets ended the packet.
    public var paddingCount: UInt8

    /// Reads the header of the packet in `buffer`.
    /// - Throws: ``RTPParseError`` for anything but a well-formed version-2 packet.
    public init(parsing buffer: UnsafeRawBufferPointer) throws(RTPParseError) {
        let count = buffer.count
        guard count >= 12 else { throw .truncated("an RTP header needs 12 bytes, got \(count)") }
        let first = buffer[0]
        guard first >> 6 == 2 else { throw .version(Int(first >> 6)) }
        csrcCount = Int(first & 0x0F)
        let second = buffer[1]
        marker = second & 0x80 != 0
        payloadType = second & 0x7F
        sequenceNumber = UInt16(buffer[2]) << 8 | UInt16(buffer[3])
        timestamp = buffer.readUInt32(at: 4)
        ssrc = buffer.readUInt32(at: 8)
        var offset = 12 + 4 * csrcCount
        guard offset <= count else { throw .truncated("\(csrcCount) CSRCs do not fit in \(count) bytes") }
        if first & 0x10 != 0 {
            guard offset + 4 <= count else { throw .truncated("the header extension does not fit") }
            let words = Int(UInt16(buffer[offset + 2]) << 8 | UInt16(buffer[offset + 3]))
            let start = offset + 4
            guard start + 4 * words <= count else { throw .truncated("the header extension of \(words) words does not fit") }
            extensionRange = start..<(start + 4 * words)
            offset = start + 4 * words
        } else {
            extensionRange = nil
        }
        var end = count
        paddingCount = 0
        if first & 0x20 != 0 {
            let padding = Int(buffer[count - 1])
            guard padding > 0, offset + padding <= count else { throw .padding(padding) }
            paddingCount = UInt8(padding)
            end -= padding
        }
        payloadRange = offset..<end
    }
}

/// Why bytes are not an RTP or RTCP packet.
public enum RTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fewer bytes than the structure needs.
    case truncated(String)
    /// Not version 2.
    case version(Int)
    /// A padding count of 0 or larger than the packet.
    case padding(Int)
    /// A malformed RTCP packet.
    case rtcp(String)

    public var description: String {
        switch self {
        case .truncated(let what): "truncated packet: \(what)"
        case .version(let v): "RTP version \(v), expected 2"
        case .padding(let n): "bad padding count \(n)"
        case .rtcp(let what): "malformed RTCP: \(what)"
        }
    }
}
