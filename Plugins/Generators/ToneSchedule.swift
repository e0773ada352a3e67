public import MediaCore

/// Bookkeeping shared by generator sources: how many samples this tick, when to stop.
public struct ToneSchedule {
    /// The output sample rate.
    public let rate: Int
    /// Total samples to produce, or `nil` for no limit.
    public let totalSamples: Int64?
    /// Samples produced so far.
    public private(set) var produced: Int64 = 0

    /// Creates a schedule; a zero `duration` means "until stopped".
    public init(rate: Int, duration: Duration) {
        self.rate = rate
        totalSamples = duration == .zero ? nil : Int64(duration.samples(atRate: rate))
    }

    /// The expected duration, or `nil` when open-ended.
    public var expectedDuration: Duration? {
        totalSamples.map { .nanoseconds($0 * 1_000_000_000 / Int64(rate)) }
    }

    /// The samples to produce in the current tick (0 once finished).
    public func count(for context: NodeContext) -> Int {
        let wanted = context.samplesThisTick(rate: rate)
        guard let total = totalSamples else { return wanted }
        return Int(min(Int64(wanted), max(total - produced, 0)))
    }

    /// The timestamp of the next sample.
    public var timestamp: MediaTime { MediaTime(sample: produced, clockRate: rate) }

    /// Records `count` produced samples.
    public mutating func advance(by count: Int) { produced &+= Int64(count) }

    /// Whether the limit has been reached.
    public var isFinished: Bool { totalSamples.map { produced >= $0 } ?? false }

    /// Produces and pushes the current tick's frame: `fill` writes `count` samples per channel
    /// (interleaved) into pooled memory. Returns end-of-stream once the duration is reached.
    @inline(__always)
    public mutating func emit(_ context: NodeContext, pool: FramePool, channels: Int, flags: Frame.Flags = [],
                              fill: (_ samples: UnsafeMutablePointer<Int16>, _ count: Int) -> Void)
        throws(NodeError) -> FlowResult {
        let count = count(for: context)
        if count == 0 { return .endOfStream }
        let bytes = count &* channels &* 2  // at most one tick of 8 channels: no overflow
        let buffer = pool.acquire(minimumCapacity: bytes)
        fill(buffer.int16, count)
        let frame = Frame(buffer: buffer, byteCount: bytes, sampleCount: count, timestamp: timestamp, flags: flags)
        advance(by: count)
        let result = try context.push(frame)
        return isFinished ? .endOfStream : result
    }
}

/// Common parameters of generators.
enum GeneratorParameters {
    static let rate = ParameterSpec("rate", .sampleRate, default: .int(8_000), range: 1_000...192_000,
                                    doc: "Output sample rate in Hz (8000, 16kHz, 44.1kHz…).")
    static let channels = ParameterSpec("channels", .int, default: .int(1), range: 1...8,
                                        doc: "Number of channels; every channel carries the same signal.")
    static let duration = ParameterSpec("duration", .duration, default: .duration(.zero), range: 0...86_400,
                                        doc: "How long to generate; 0 means until the graph stops.")
}
