public import MediaCore

/// `mixer`: adds several PCM streams of one format into one (fan-in), saturating.
///
/// Each input has a small FIFO; the mixer emits as many samples as every live input can
/// supply, so inputs may deliver different frame sizes. An input that has ended contributes
/// what it still holds, then silence; when every input has ended the rest is flushed.
public final class Mixer: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "mixer", category: .routing,
        summary: "Mixes several PCM streams of the same format into one.",
        inputs: [PortSpec("sink", .anyPCM(), presence: .request)],
        outputs: [PortSpec("src", .anyPCM())],
        parameters: [ParameterSpec("buffer", .duration, default: .duration(.milliseconds(500)), range: 0.02...10,
                                   doc: "How much audio each input may queue before the oldest is dropped.")],
        examples: ["sine freq=440 duration=2s ! mixer name=m ! wav-recorder path=chord.wav  sine freq=660 duration=2s ! m."])

    private let bufferDuration: Duration
    private var fifos: [SampleQueue] = []
    private var ended: [Bool] = []
    private var channels = 1
    private var produced: Int64 = 0
    private var rate = 8_000
    private let pool = FramePool(byteCapacity: 4096)
    private var mix: UnsafeMutablePointer<Int32>?
    private var mixCapacity = 0

    public init(parameters: NodeParameters) { bufferDuration = parameters.duration("buffer") }

    deinit { mix?.deallocate() }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard let first = negotiation.inputs.first else { throw .format("mixer has no inputs") }
        if let other = negotiation.inputs.firstIndex(where: { $0 != first }) {
            throw .format("mixer inputs must share one format: input 0 is \(first) but input \(other) is "
                          + "\(negotiation.inputs[other]); put `resample` before the odd one out")
        }
        return [first]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        let format = context.outputFormats[0]
        channels = format.channels
        rate = format.clockRate
        let capacity = max(bufferDuration.samples(atRate: rate), 1) * channels
        fifos = context.inputFormats.map { _ in SampleQueue(capacity: capacity) }
        ended = context.inputFormats.map { _ in false }
        mixCapacity = capacity
        mix = .allocate(capacity: capacity)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        fifos[port].write(frame.int16, count: frame.byteCount / 2)
        return try emit(context, flushing: false)
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        guard event == .endOfStream, case .input(let port) = origin else {
            try context.forward(event)
            return
        }
        ended[port] = true
        let allEnded = !ended.contains(false)
        _ = try emit(context, flushing: allEnded)
        if allEnded { try context.forward(.endOfStream) }
    }

    /// Emits what every live input can supply (or everything, when flushing).
    private func emit(_ context: NodeContext, flushing: Bool) throws(NodeError) -> FlowResult {
        var count = Int.max
        for i in fifos.indices where !ended[i] { count = min(count, fifos[i].count) }
        if count == .max || flushing { count = fifos.map(\.count).max() ?? 0 }
        count -= count % channels
        guard count > 0, let mix else { return .ok }
        var result = FlowResult.ok
        var remaining = count
        while remaining > 0 {
            let chunk = min(remaining, mixCapacity)
            mix.initialize(repeating: 0, count: chunk)
            for i in fifos.indices { fifos[i].add(into: mix, count: chunk) }
            let storage = pool.acquire(minimumCapacity: chunk * 2)
            let out = storage.int16
            for s in 0..<chunk { out[s] = Int16(clamping: mix[s]) }
            let frames = chunk / channels
            let frame = Frame(buffer: storage, byteCount: chunk * 2, sampleCount: frames,
                              timestamp: MediaTime(sample: produced, clockRate: rate))
            produced += Int64(frames)
            result = try context.push(frame)
            remaining -= chunk
        }
        return result
    }
}

/// Fan-out, fan-in, level, gain and the null sink.
public enum BasicElementsPlugin: MediaPlugin {
    public static let name = "basic"
    public static let nodeTypes: [any MediaNode.Type] = [Tee.self, Mixer.self, Interleave.self, Gain.self, NullSink.self,
                                                         LevelMeter.self]
}
