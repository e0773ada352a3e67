/// What offer/answer settled for the audio stream, from this side's point of view.
public struct NegotiatedAudio: Sendable, Hashable {
    /// The codec and the payload type both sides use for it.
    public var codec: RTPMap
    /// The codec's `a=fmtp` parameters as agreed, if any.
    public var formatParameters: String?
    /// RFC 4733 events and their payload type, when both sides support them.
    public var telephoneEvent: RTPMap?
    /// Where to send RTP.
    public var remoteAddress: String
    /// The remote RTP port.
    public var remotePort: Int
    /// The remote RTCP port (`a=rtcp`, else RTP port + 1; RFC 3605).
    public var remoteRTCPPort: Int
    /// Whether this side sends and receives.
    public var direction: Direction
    /// The packet time to send, in milliseconds (the remote's `a=ptime`, else 20).
    public var packetTime: Int
    /// Whether the other side has put the call on hold (sendonly/inactive or `c=0.0.0.0`).
    public var remoteHold: Bool
    /// The media encryption agreed, or nil for plain RTP.
    public var security: NegotiatedSecurity?

    /// Creates a result (offer/answer makes these; tests and embedders may too).
    public init(codec: RTPMap, formatParameters: String? = nil, telephoneEvent: RTPMap?, remoteAddress: String,
                remotePort: Int, remoteRTCPPort: Int, direction: Direction, packetTime: Int, remoteHold: Bool,
                security: NegotiatedSecurity? = nil) {
        self.codec = codec
        self.formatParameters = formatParameters
        self.telephoneEvent = telephoneEvent
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.remoteRTCPPort = remoteRTCPPort
        self.direction = direction
        self.packetTime = packetTime
        self.remoteHold = remoteHold
        self.security = security
    }
}

/// Why offer/answer failed; the endpoint answers 488 with this text in a Warning header
/// (RFC 3261 §20.43, code 305 "Incompatible media format" or 304 "Media type not available").
public struct NegotiationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The Warning code that fits (304 or 305).
    public var warningCode: Int
    /// A sentence for people: what was offered and what this side handles.
    public var reason: String

    public var description: String { reason }

    /// An error with a Warning code (RFC 3261 §20.43: 304 media type, 305 format, 399 other).
    public init(warningCode: Int, reason: String) {
        self.warningCode = warningCode
        self.reason = reason
    }

    /// The Warning header value (`305 host "reason"`).
    public func warningHeader(agent: String) -> String {
        "\(warningCode) \(agent) \"\(reason.replacingQuotes)\""
    }
}

extension String {
    var replacingQuotes: String { String(map { $0 == "\"" ? "'" : $0 }) }
}
