/// When to send the next RTCP report (RFC 3550 §6.2, §6.3.1 and Appendix A.7).
///
/// RTCP takes 5% of the session bandwidth, a quarter of it for senders when they are fewer than
/// a quarter of the members; the interval is at least 5 s (2.5 s before the first report),
/// randomized over [0.5, 1.5] and divided by e − 3/2 to compensate for timer reconsideration.
public struct RTCPSchedule: Sendable {
    /// The session bandwidth in bits per second (the codec's rate plus headers).
    public var sessionBandwidth: Double
    /// The average compound RTCP packet size in octets, updated as packets go and come (§6.3.3).
    public private(set) var averagePacketSize: Double
    /// The minimum interval (5 s; smaller values are allowed only by profile, §6.2).
    public var minimumInterval: Double

    /// Starts a schedule; `firstPacketSize` is the size of the first compound packet (with UDP/IP).
    public init(sessionBandwidth: Double, firstPacketSize: Int = 100, minimumInterval: Double = 5) {
        self.sessionBandwidth = sessionBandwidth
        averagePacketSize = Double(firstPacketSize)
        self.minimumInterval = minimumInterval
    }

    /// Notes a compound packet sent or received (with UDP and IP headers).
    public mutating func notePacket(size: Int) {
        averagePacketSize = averagePacketSize + (Double(size) - averagePacketSize) / 16
    }

    /// The deterministic interval Td in seconds (A.7 `rtcp_interval` before randomization).
    public func deterministicInterval(members: Int, senders: Int, weSent: Bool, initial: Bool) -> Double {
        let rtcpBandwidth = sessionBandwidth / 8 * 0.05   // octets per second
        var n = Double(max(members, 1))
        var bandwidth = rtcpBandwidth
        if senders > 0, Double(senders) <= n * 0.25 {
            if weSent {
                bandwidth *= 0.25
                n = Double(senders)
            } else {
                bandwidth *= 0.75
                n -= Double(senders)
            }
        }
        let minimum = initial ? minimumInterval / 2 : minimumInterval
        return max(averagePacketSize * n / max(bandwidth, 1), minimum)
    }

    /// The next interval in seconds: Td × a uniform factor in [0.5, 1.5], over e − 3/2 (A.7).
    /// `random` is a value in [0, 1) from the caller's generator (seeded in tests).
    public func nextInterval(members: Int, senders: Int, weSent: Bool, initial: Bool, random: Double) -> Double {
        deterministicInterval(members: members, senders: senders, weSent: weSent, initial: initial)
            * (0.5 + random) / (2.718281828459045 - 1.5)
    }
}

/// 64-bit NTP timestamps (seconds since 1900 in the high 32 bits, fraction in the low 32).
public enum NTPTime {
    /// Seconds from 1900-01-01 to the Unix epoch.
    public static let unixOffset: UInt64 = 2_208_988_800

    /// The NTP timestamp of a Unix time given in nanoseconds.
    public static func from(unixNanoseconds: Int64) -> UInt64 {
        let seconds = UInt64(unixNanoseconds / 1_000_000_000) + unixOffset
        let nanos = UInt64(unixNanoseconds % 1_000_000_000)
        return seconds << 32 | (nanos << 32) / 1_000_000_000
    }

    /// The round-trip time from a report block received at `arrival` (compact NTP, 1/65536 s):
    /// arrival − LSR − DLSR (§6.4.1). `nil` when the block carries no LSR.
    public static func roundTrip(arrivalCompact: UInt32, lastSenderReport: UInt32, delay: UInt32) -> Double? {
        guard lastSenderReport != 0 else { return nil }
        let rtt = arrivalCompact &- lastSenderReport &- delay
        guard rtt < 0x8000_0000 else { return nil }   // negative: clocks or report inconsistent
        return Double(rtt) / 65_536
    }
}
