public import MediaCore

/// The playout logic of `jitter-buffer`, apart from the graph: packets in (any order, any
/// time), frames out in media order at a steady pace, with gaps marked for concealment.
///
/// Media time comes from the packets' timestamps; local time from the caller's clock, in the
/// same units (samples of the payload clock). Playout starts `delay` after the first packet
/// arrives and then advances with local time. When the packet due next is missing at its
/// playout time, a `.missing` frame of one packet's duration takes its place, so the decoder
/// conceals and the output keeps its length; if it arrives later it is dropped as late. A late
/// packet means the delay was too short: when `adaptive`, the delay grows by one packet (up to
/// `maximumDelay`), by emitting one extra concealment frame. Duplicates are dropped. When the
/// packet right after a gap has already arrived, the concealment request for the gap carries
/// it (``Frame/Flags/nextPacketAttached``), so a decoder with in-band FEC can recover the gap.
public struct JitterBuffer {
    /// A packet held for playout.
    struct Entry {
        var sample: Int64
        var frame: OwnedFrame
    }

    /// What the buffer did, for summaries and tests.
    public struct Counters: Sendable, Equatable {
        public var received = 0, played = 0, concealed = 0, late = 0, duplicate = 0, stretched = 0
        /// Concealment requests that carried the next packet (for in-band FEC).
        public var attached = 0
    }

    public private(set) var counters = Counters()
    /// The current playout delay, in samples.
    public private(set) var delay: Int
    let maximumDelay: Int
    let adaptive: Bool
    private var entries: [Entry] = []
    /// The media sample that plays next; `nil` until the first packet.
    private var nextSample: Int64?
    /// Local time at which `nextSample` plays.
    private var nextPlayout: Int64 = 0
    /// The usual packet duration, learned from timestamps (one frame of the graph until known).
    private(set) var packetDuration: Int
    /// One frame of the graph: the packet duration until one is learned.
    let defaultPacketDuration: Int

    let clockRate: Int

    /// Creates a buffer; all values in samples of the payload clock (`clockRate` Hz).
    public init(clockRate: Int, delay: Int, maximumDelay: Int, adaptive: Bool, defaultPacketDuration: Int) {
        self.clockRate = clockRate
        self.delay = delay
        self.maximumDelay = max(maximumDelay, delay)
        self.adaptive = adaptive
        packetDuration = max(defaultPacketDuration, 1)
        self.defaultPacketDuration = packetDuration
    }

    /// Whether nothing is waiting to play.
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds a packet whose media starts at `sample`, arriving at local time `now`.
    public mutating func insert(_ frame: Frame, sample: Int64, now: Int64) {
        counters.received += 1
        guard let next = nextSample else {
            nextSample = sample
            nextPlayout = now + Int64(delay)
            entries.append(Entry(sample: sample, frame: frame.copy()))
            return
        }
        if sample < next {
            counters.late += 1
            if adaptive, delay + packetDuration <= maximumDelay {
                delay += packetDuration
                counters.stretched += 1
                nextPlayout += Int64(packetDuration)   // the stretch: one more concealed packet before the next
                pendingStretch += 1
            }
            return
        }
        // Insert in media order (packets mostly arrive in order: search from the back).
        var index = entries.count
        while index > 0, entries[index - 1].sample > sample { index -= 1 }
        if index > 0, entries[index - 1].sample == sample {
            counters.duplicate += 1
            return
        }
        entries.insert(Entry(sample: sample, frame: frame.copy()), at: index)
        learnDuration(around: index)
    }

    private var pendingStretch = 0

    /// The smallest spacing between neighbouring packets seen so far (nil before two were).
    private var smallestSpacing: Int64?

    private mutating func learnDuration(around index: Int) {
        // The packet duration is the smallest spacing ever seen between neighbouring packets. The
        // spacings waiting *now* are not enough: when a loss is the only gap in the buffer, its
        // spacing is two packets, and taking it as the duration made the packet before the gap
        // play for two packets — the lost one silently skipped instead of concealed (issue 18:
        // 5 % loss with 40 ms jitter lost 0.2 s of media in 8 s). For the same reason a spacing
        // that is a whole multiple of the graph's frame is taken as frames with a gap, not as a
        // longer packet (a 30 ms ptime in a 20 ms graph is learned; a 40 ms one is concealed in
        // 20 ms pieces, media time still exact). Four frames or more is a pause, not a packet.
        let frame = Int64(defaultPacketDuration)
        for neighbour in [index - 1, index + 1] where entries.indices.contains(neighbour) {
            let spacing = abs(entries[neighbour].sample - entries[index].sample)
            guard spacing > 0, spacing < frame * 4, spacing < smallestSpacing ?? .max else { continue }
            smallestSpacing = spacing
            packetDuration = Int(spacing > frame && spacing % frame == 0 ? frame : spacing)
        }
    }

    /// The frames due at local time `now`: the packets whose playout time has come, in order,
    /// with a missing frame for each packet not there in time.
    /// - Parameter draining: the input has ended: play out everything left, without gaps after it.
    public mutating func due(at now: Int64, draining: Bool = false, _ emit: (Frame) throws(NodeError) -> Void) throws(NodeError) {
        guard var next = nextSample else { return }
        while pendingStretch > 0 {
            pendingStretch -= 1
            counters.concealed += 1
            try emit(missing(at: next, duration: packetDuration))
        }
        while draining ? !entries.isEmpty : nextPlayout <= now {
            if let first = entries.first, first.sample <= next {
                entries.removeFirst()
                let duration = entries.first.map { Int(min($0.sample - first.sample, Int64(packetDuration))) } ?? packetDuration
                counters.played += 1
                try first.frame.withFrame { (frame) throws(NodeError) in try emit(frame) }
                next = first.sample + Int64(max(duration, first.frame.sampleCount, 1))
                nextPlayout += Int64(max(duration, first.frame.sampleCount, 1))
            } else if let first = entries.first, first.sample - next >= Int64(packetDuration) * 50, !draining {
                // A jump of a second or more: a new talk spurt after silence, or a restarted
                // timeline. Re-anchor instead of concealing the whole gap.
                next = first.sample
            } else if entries.isEmpty && !draining {
                // Nothing arrived at all: conceal one packet and wait.
                counters.concealed += 1
                try emit(missing(at: next, duration: packetDuration))
                next += Int64(packetDuration)
                nextPlayout += Int64(packetDuration)
            } else {
                let gap = Int(min(Int64(packetDuration), (entries.first?.sample ?? next) - next))
                counters.concealed += 1
                if let first = entries.first, first.sample == next + Int64(gap), gap > 0 {
                    // The packet right after the gap is here: hand it to the decoder with the
                    // gap, for in-band FEC (the packet still plays in its own turn).
                    try first.frame.withFrame { (following) throws(NodeError) in
                        try emit(missing(at: next, duration: gap, attaching: following))
                    }
                    counters.attached += 1
                } else {
                    try emit(missing(at: next, duration: max(gap, 1)))
                }
                next += Int64(max(gap, 1))
                nextPlayout += Int64(max(gap, 1))
            }
        }
        nextSample = next
    }

    /// A concealment request; with `following`, it carries that packet's bytes for in-band FEC
    /// (``Frame/Flags/nextPacketAttached``).
    func missing(at sample: Int64, duration: Int, attaching following: Frame? = nil) -> Frame {
        let timestamp = MediaTime(sample: sample, clockRate: clockRate)
        if let following {
            return Frame(baseAddress: following.baseAddress, byteCount: following.byteCount, sampleCount: duration,
                         timestamp: timestamp, flags: [.missing, .nextPacketAttached])
        }
        // A missing frame carries no bytes; any aligned address will do.
        return Frame(baseAddress: UnsafeRawPointer(bitPattern: 0x10)!, byteCount: 0, sampleCount: duration,
                     timestamp: timestamp, flags: [.missing])
    }
}
