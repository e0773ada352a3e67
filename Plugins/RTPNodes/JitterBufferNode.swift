public import MediaCore

/// `jitter-buffer`: reorders packets and plays them out at a steady pace, one tick at a time,
/// marking lost packets `.missing` so the decoder conceals them (see ``JitterBuffer``).
public final class JitterBufferNode: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "jitter-buffer", category: .network,
        summary: "Reorders packets and plays them out steadily; lost packets become concealment requests.",
        inputs: [PortSpec("sink", FormatConstraint([.encoded(codecs: nil, clockRates: nil)]))],
        outputs: [PortSpec("src", FormatConstraint([.encoded(codecs: nil, clockRates: nil)]))],
        parameters: [
            ParameterSpec("delay", .duration, default: .duration(.milliseconds(60)), range: 0...2,
                          doc: "Playout delay after the first packet (the starting target when adaptive)."),
            ParameterSpec("max-delay", .duration, default: .duration(.milliseconds(300)), range: 0...5,
                          doc: "The most the delay may grow to."),
            ParameterSpec("adaptive", .bool, default: .bool(true),
                          doc: "Grow the delay by one packet each time a packet arrives too late."),
        ],
        formatRule: .passthrough,
        examples: ["@rtp-in ! jitter-buffer delay=80ms ! @decoder ! alsa-sink"])

    private let delayTime: Duration, maximumTime: Duration, adaptive: Bool
    private var buffer: JitterBuffer?
    private var rate = 8_000
    private var inputEnded = false

    public init(parameters: NodeParameters) {
        delayTime = parameters.duration("delay")
        maximumTime = parameters.duration("max-delay")
        adaptive = parameters.bool("adaptive")
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.inputFormats[0].clockRate
        buffer = makeBuffer(context)
    }

    private func makeBuffer(_ context: NodeContext) -> JitterBuffer {
        JitterBuffer(clockRate: rate, delay: delayTime.samples(atRate: rate), maximumDelay: maximumTime.samples(atRate: rate),
                     adaptive: adaptive, defaultPacketDuration: context.period.samples(atRate: rate))
    }

    private func now(_ context: NodeContext) -> Int64 {
        Int64(context.tick) * Int64(context.samplesThisTick(rate: rate))
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        buffer?.insert(frame, sample: frame.timestamp.sample, now: now(context))
        return .ok
    }

    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        guard var jitter = buffer else { return .ok }
        buffer = nil   // mutate the only copy
        defer { buffer = jitter }
        try jitter.due(at: now(context), draining: inputEnded) { (frame) throws(NodeError) in _ = try context.push(frame) }
        return inputEnded && jitter.isEmpty ? .endOfStream : .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if case .reconfigure(let fields) = event {
            // The stream changes codec: what is buffered (the old codec) plays out now, ahead of
            // the event, and a new buffer starts in the new clock.
            if var jitter = buffer {
                buffer = nil
                try jitter.due(at: now(context), draining: true) { (frame) throws(NodeError) in _ = try context.push(frame) }
            }
            if let clock = fields["clock-rate"].flatMap(Int.init), clock > 0 { rate = clock }
            try context.forward(event)
            buffer = makeBuffer(context)
            return
        }
        if event == .endOfStream {
            inputEnded = true   // play out what is left, then end (from produce)
            return
        }
        try context.forward(event)
    }

    public var endsByItself: Bool { true }

    public var summary: String? {
        guard let c = buffer?.counters else { return nil }
        return "played \(c.played) packet(s), concealed \(c.concealed), dropped \(c.late) late and \(c.duplicate) duplicate; "
            + "delay \(MediaTime(sample: Int64(buffer?.delay ?? 0), clockRate: rate))"
    }
}
