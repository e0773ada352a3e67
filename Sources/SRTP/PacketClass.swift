/// What a datagram on a media port is, by its first octet (RFC 7983 §7, updating RFC 5764
/// §5.1.2): one port carries STUN, DTLS and SRTP/SRTCP side by side.
public enum PacketClass: Sendable, Hashable {
    /// 0–3: STUN.
    case stun
    /// 16–19: ZRTP.
    case zrtp
    /// 20–63: DTLS.
    case dtls
    /// 64–79: TURN channel data.
    case turnChannel
    /// 128–191: RTP or RTCP (SRTP or SRTCP once keyed).
    case rtp
    /// Anything else: to be dropped.
    case unknown

    /// The class of a datagram whose first octet is `first`.
    public init(firstOctet first: UInt8) {
        switch first {
        case 0...3: self = .stun
        case 16...19: self = .zrtp
        case 20...63: self = .dtls
        case 64...79: self = .turnChannel
        case 128...191: self = .rtp
        default: self = .unknown
        }
    }
}
