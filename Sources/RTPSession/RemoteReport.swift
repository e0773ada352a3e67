import RTP

/// What the other side says about the stream this side sends (from its RTCP report blocks).
public struct RemoteReport: Sendable, Hashable {
    /// The share of packets lost in the last reporting interval (0…1).
    public var fractionLost: Double
    /// Packets lost since the start.
    public var cumulativeLost: Int
    /// The interarrival jitter the peer measures, in seconds.
    public var jitter: Double
    /// The round-trip time from the report's LSR/DLSR, in seconds (nil before the peer has
    /// seen a sender report of ours).
    public var roundTrip: Double?
    /// The highest sequence number the peer has received (extended).
    public var highestSequence: UInt32

    init(block: ReportBlock, clockRate: Int, roundTrip: Double?) {
        fractionLost = Double(block.fractionLost) / 256
        cumulativeLost = Int(block.cumulativeLost)
        jitter = Double(block.jitter) / Double(clockRate)
        self.roundTrip = roundTrip
        highestSequence = block.extendedHighestSequence
    }
}

/// What this side measures about the stream it receives.
public struct ReceptionSnapshot: Sendable, Hashable {
    /// Packets received from the latched source.
    public var received: Int
    /// Packets lost since the start.
    public var lost: Int
    /// Interarrival jitter in seconds.
    public var jitter: Double
    /// Packets from other sources, dropped (symmetric RTP latching).
    public var foreign: Int
}
