/// What a receiver knows about one source: sequence tracking, loss and jitter, as RFC 3550
/// Appendix A specifies them (A.1 sequence validation, A.3 loss, A.8 jitter).
public struct ReceptionStatistics: Sendable {
    /// Packets accepted from the source.
    public private(set) var received: UInt32 = 0
    /// The highest sequence number seen, extended with the number of wraps (cycles << 16).
    public var extendedHighestSequence: UInt32 { cycles | UInt32(maxSequence) }
    /// The interarrival jitter estimate in timestamp units (§6.4.1, A.8).
    public var jitter: Double { jitterEstimate }
    /// Packets whose sequence number jumped too far and were not counted (A.1).
    public private(set) var discarded: UInt32 = 0

    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var baseSequence: UInt32 = 0
    private var badSequence: UInt32 = 0x1_0001   // RTP_SEQ_MOD + 1: no bad sequence yet
    private var probation: Int
    private var expectedPrior: UInt32 = 0
    private var receivedPrior: UInt32 = 0
    private var jitterEstimate = 0.0
    private var lastTransit: Int64?
    private var initialized = false

    static let maxDropout: UInt16 = 3_000
    static let maxMisorder: UInt16 = 100
    /// RFC 3550's MIN_SEQUENTIAL: packets in sequence before a new source is believed.
    public static let minSequential = 2

    /// Starts tracking; `probation` packets in sequence are needed before a new source counts.
    /// The default, 1, counts from the first packet: use it when the source has already been
    /// validated another way (symmetric RTP latching); RFC 3550 uses ``minSequential``.
    public init(probation: Int = 1) {
        self.probation = probation
    }

    /// Notes a packet. `arrival` is its arrival time in the payload's timestamp units.
    /// - Returns: whether the packet is valid and counted (A.1 `update_seq`).
    @discardableResult
    public mutating func record(sequence: UInt16, timestamp: UInt32, arrival: Int64) -> Bool {
        if !initialized {
            initialize(sequence)
            maxSequence = sequence &- 1
            initialized = true
        }
        let delta = sequence &- maxSequence
        if probation > 0 {
            // A new source: wait for `probation` packets in a row.
            if sequence == maxSequence &+ 1 {
                probation -= 1
                maxSequence = sequence
                if probation == 0 {
                    initialize(sequence)
                    received += 1
                    updateJitter(timestamp: timestamp, arrival: arrival)
                    return true
                }
            } else {
                probation = Self.minSequential - 1
                maxSequence = sequence
            }
            return false
        } else if delta < Self.maxDropout {
            // In order, with a permissible gap.
            if sequence < maxSequence { cycles &+= 0x1_0000 }
            maxSequence = sequence
        } else if delta <= UInt16.max &- Self.maxMisorder {
            // A very large jump: a restarted source, or junk. Two in a row re-synchronize.
            if UInt32(sequence) == badSequence {
                initialize(sequence)
            } else {
                badSequence = UInt32(sequence &+ 1)
                discarded += 1
                return false
            }
        }
        // Otherwise: a duplicate or reordered packet, counted.
        received += 1
        updateJitter(timestamp: timestamp, arrival: arrival)
        return true
    }

    private mutating func initialize(_ sequence: UInt16) {
        baseSequence = UInt32(sequence)
        maxSequence = sequence
        badSequence = 0x1_0001
        cycles = 0
        received = 0
        receivedPrior = 0
        expectedPrior = 0
    }

    private mutating func updateJitter(timestamp: UInt32, arrival: Int64) {
        // A.8: J += (|D| − J) / 16, D the change in relative transit time.
        let transit = arrival - Int64(timestamp)
        if let last = lastTransit {
            var d = transit - last
            // Timestamps wrap at 2^32; keep the difference small.
            if d > Int64(Int32.max) { d -= 1 << 32 } else if d < Int64(Int32.min) { d += 1 << 32 }
            jitterEstimate += (Double(abs(d)) - jitterEstimate) / 16
        }
        lastTransit = transit
    }

    /// Packets expected from the first to the highest sequence number (A.3).
    public var expected: UInt32 { received == 0 && probation > 0 ? 0 : extendedHighestSequence &- baseSequence &+ 1 }

    /// Packets lost since the start (A.3); negative when duplicates arrived.
    public var cumulativeLost: Int64 { Int64(expected) - Int64(received) }

    /// Makes a report block and starts a new reporting interval (A.3 fraction lost).
    public mutating func makeReport(ssrc: UInt32, lastSenderReport: UInt32 = 0,
                                    delaySinceLastSenderReport: UInt32 = 0) -> ReportBlock {
        let expectedInterval = Int64(expected) - Int64(expectedPrior)
        let receivedInterval = Int64(received) - Int64(receivedPrior)
        expectedPrior = expected
        receivedPrior = received
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8 = expectedInterval == 0 || lostInterval <= 0 ? 0 : UInt8(min(255, (lostInterval << 8) / expectedInterval))
        return ReportBlock(ssrc: ssrc, fractionLost: fraction,
                           cumulativeLost: Int32(max(min(cumulativeLost, 0x7F_FFFF), -0x80_0000)),
                           extendedHighestSequence: extendedHighestSequence, jitter: UInt32(jitterEstimate.rounded()),
                           lastSenderReport: lastSenderReport, delaySinceLastSenderReport: delaySinceLastSenderReport)
    }
}
