/// What this side can do for a session's audio.
public struct MediaOptions: Sendable, Hashable {
    /// Audio codecs in order of preference (telephone-event is added by ``telephoneEvents``).
    public var codecs: [CodecCapability]
    /// Whether to offer and accept RFC 4733 telephone-event.
    public var telephoneEvents: Bool
    /// The address media is received on (`c=`).
    public var address: String
    /// The local RTP port.
    public var port: Int
    /// The local RTCP port; `a=rtcp` is written when it is not `port + 1` (RFC 3605).
    public var rtcpPort: Int?
    /// The direction this side wants.
    public var direction: Direction
    /// The packet time to ask for, in milliseconds (`a=ptime`).
    public var packetTime: Int?
    /// Media encryption: off, optional or mandatory, and the keys (SRTP, RFC 3711).
    public var security: MediaSecurity

    /// Creates options.
    public init(codecs: [CodecCapability], telephoneEvents: Bool = true, address: String, port: Int,
                rtcpPort: Int? = nil, direction: Direction = .sendrecv, packetTime: Int? = 20, security: MediaSecurity = .off) {
        self.codecs = codecs
        self.telephoneEvents = telephoneEvents
        self.address = address
        self.port = port
        self.rtcpPort = rtcpPort
        self.direction = direction
        self.packetTime = packetTime
        self.security = security
    }
}
