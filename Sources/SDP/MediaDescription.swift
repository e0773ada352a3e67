/// An `m=` section (RFC 8866 §5.14) and what follows it up to the next one.
public struct MediaDescription: Sendable, Hashable {
    /// The media type (`audio`, `video`, `application`, …).
    public var type: String
    /// The transport port; 0 rejects or disables the stream (RFC 3264 §6).
    public var port: Int
    /// The `/<number of ports>` suffix, if written.
    public var portCount: Int?
    /// The transport protocol (`RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, …).
    public var proto: String
    /// The formats: RTP payload type numbers for RTP profiles.
    public var formats: [String]
    /// `i=`: media title.
    public var information: String?
    /// `c=` lines for this stream.
    public var connections: [Connection] = []
    /// `b=` lines for this stream.
    public var bandwidths: [Bandwidth] = []
    /// `k=` (obsolete), verbatim.
    public var key: String?
    /// `a=` lines for this stream, in order.
    public var attributes: [Attribute] = []

    /// Creates a media section.
    public init(type: String, port: Int, proto: String = "RTP/AVP", formats: [String],
                connections: [Connection] = [], attributes: [Attribute] = []) {
        self.type = type
        self.port = port
        self.proto = proto
        self.formats = formats
        self.connections = connections
        self.attributes = attributes
    }

    /// Whether the stream is carried by RTP (an `RTP/…` profile).
    public var isRTP: Bool { proto.uppercased().hasPrefix("RTP/") || proto.uppercased().contains("/RTP/") }

    /// The payload type numbers, for RTP streams (formats that are not numbers are skipped).
    public var payloadTypes: [Int] { formats.compactMap { Int($0) }.filter { (0...127).contains($0) } }

    /// The `a=rtpmap` of `payloadType`, or the static assignment of RFC 3551 §6 when none is given.
    public func rtpMap(for payloadType: Int) -> RTPMap? {
        for value in attributes.all("rtpmap") {
            if let map = RTPMap(value), map.payloadType == payloadType { return map }
        }
        return RTPMap.staticMap(payloadType)
    }

    /// The `a=fmtp` parameters of `payloadType`, verbatim.
    public func formatParameters(for payloadType: Int) -> String? {
        for value in attributes.all("fmtp") {
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, Int(parts[0]) == payloadType { return String(parts[1]) }
        }
        return nil
    }

    /// `a=ptime` in milliseconds.
    public var packetTime: Int? { attributes.first("ptime").flatMap { Int(Double($0) ?? -1) }.flatMap { $0 > 0 ? $0 : nil } }

    /// `a=maxptime` in milliseconds.
    public var maximumPacketTime: Int? { attributes.first("maxptime").flatMap { Int($0) } }

    /// The direction attribute of this stream, if any (RFC 3264 §5.1).
    public var direction: Direction? {
        for attribute in attributes {
            if let direction = Direction(rawValue: attribute.name.lowercased()) { return direction }
        }
        return nil
    }

    /// `a=rtcp:<port> [IN IP4 <address>]` (RFC 3605).
    public var rtcp: (port: Int, address: String?)? {
        guard let value = attributes.first("rtcp") else { return nil }
        let parts = value.split(separator: " ")
        guard let first = parts.first, let port = Int(first) else { return nil }
        return (port, parts.count >= 4 ? String(parts[3]) : nil)
    }
}

/// A stream direction (RFC 3264 §5.1, RFC 8866 §6.7).
public enum Direction: String, Sendable, Hashable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    /// Whether this side sends.
    public var sends: Bool { self == .sendrecv || self == .sendonly }
    /// Whether this side receives.
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The direction from the other side's point of view.
    public var reversed: Direction {
        switch self {
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        default: self
        }
    }

    /// The direction for sending and receiving flags.
    public init(sends: Bool, receives: Bool) {
        self = sends ? (receives ? .sendrecv : .sendonly) : (receives ? .recvonly : .inactive)
    }

    /// What both sides allow: this side's wish limited by what the other side's direction permits.
    public func intersected(withRemote remote: Direction) -> Direction {
        Direction(sends: sends && remote.receives, receives: receives && remote.sends)
    }
}

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]` (RFC 8866 §6.6).
public struct RTPMap: Sendable, Hashable {
    /// The payload type number.
    public var payloadType: Int
    /// The encoding name as written (compare case-insensitively).
    public var encoding: String
    /// The RTP clock rate.
    public var clockRate: Int
    /// Audio channels (1 when not written).
    public var channels: Int

    /// Creates a mapping.
    public init(payloadType: Int, encoding: String, clockRate: Int, channels: Int = 1) {
        self.payloadType = payloadType
        self.encoding = encoding
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Parses the value of an `a=rtpmap` attribute.
    public init?(_ value: String) {
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let pt = Int(parts[0]), (0...127).contains(pt) else { return nil }
        let fields = parts[1].trimmingSpaces.split(separator: "/")
        guard fields.count >= 2, let rate = Int(fields[1]), rate > 0 else { return nil }
        self.init(payloadType: pt, encoding: String(fields[0]), clockRate: rate,
                  channels: fields.count > 2 ? Int(fields[2]) ?? 1 : 1)
    }

    /// The attribute value (`0 PCMU/8000`).
    public var attributeValue: String {
        "\(payloadType) \(encoding)/\(clockRate)" + (channels != 1 ? "/\(channels)" : "")
    }

    /// The static audio payload types of RFC 3551 §6 that an endpoint may meet without an rtpmap.
    public static func staticMap(_ payloadType: Int) -> RTPMap? {
        switch payloadType {
        case 0: RTPMap(payloadType: 0, encoding: "PCMU", clockRate: 8_000)
        case 3: RTPMap(payloadType: 3, encoding: "GSM", clockRate: 8_000)
        case 4: RTPMap(payloadType: 4, encoding: "G723", clockRate: 8_000)
        case 8: RTPMap(payloadType: 8, encoding: "PCMA", clockRate: 8_000)
        case 9: RTPMap(payloadType: 9, encoding: "G722", clockRate: 8_000)
        case 13: RTPMap(payloadType: 13, encoding: "CN", clockRate: 8_000)
        case 18: RTPMap(payloadType: 18, encoding: "G729", clockRate: 8_000)
        default: nil
        }
    }

    /// Whether two mappings name the same codec (encoding case-insensitively, rate, channels).
    public func sameCodec(as other: RTPMap) -> Bool {
        encoding.lowercased() == other.encoding.lowercased() && clockRate == other.clockRate && channels == other.channels
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
