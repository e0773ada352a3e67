public import MediaCore

/// `interleave`: two mono streams of one rate become one stereo stream, `left` and `right`.
///
/// A call recording uses it to keep what was sent and what was received on their own channels.
/// Each input has a FIFO; a side that falls behind (a late jitter buffer, a source that ended)
/// is padded with silence once the other side is `slack` ahead, so the channels stay aligned
/// to the graph's clock and the file never stalls.
public final class Interleave: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "interleave", category: .routing,
        summary: "Makes one stereo stream of two mono streams (left, right) of the same rate.",
        inputs: [PortSpec("left", .pcm(channels: [1])), PortSpec("right", .pcm(channels: [1]))],
        outputs: [PortSpec("src", .pcm(channels: [2]))],
        parameters: [ParameterSpec("slack", .duration, default: .duration(.milliseconds(100)), range: 0.02...5,
                                   doc: "How far one side may run ahead before the other is padded with silence.")],
        examples: ["sine freq=440 duration=2s ! st.left  sine freq=660 duration=2s ! st.right  "
                   + "interleave name=st ! wav-recorder path=stereo.wav"])

    private let slack: Duration
    private var queues: [SampleQueue] = []
    private var ended = [false, false]
    private var rate = 8_000
    private var slackSamples = 800
    private var produced: Int64 = 0
    private let pool = FramePool(byteCapacity: 4096)
    private var scratch: (UnsafeMutablePointer<Int16>, UnsafeMutablePointer<Int16>)?
    private var capacity = 0

    public init(parameters: NodeParameters) { slack = parameters.duration("slack") }

    deinit {
        scratch?.0.deallocate()
        scratch?.1.deallocate()
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        let left = negotiation.inputs[0], right = negotiation.inputs[1]
        guard left.clockRate == right.clockRate else {
            throw .format("interleave needs one rate on both sides: left is \(left) but right is \(right); "
                          + "put `resample rate=\(left.clockRate)` before the right input")
        }
        return [.pcm(sampleRate: left.clockRate, channels: 2, sample: .int16)]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.outputFormats[0].clockRate
        slackSamples = max(slack.samples(atRate: rate), 1)
        capacity = slackSamples * 4 + rate
        queues = [SampleQueue(capacity: capacity), SampleQueue(capacity: capacity)]
        scratch = (.allocate(capacity: capacity), .allocate(capacity: capacity))
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        queues[port].write(frame.int16, count: frame.sampleCount)
        // The side that lags too far (or has ended) is filled with silence.
        let other = 1 - port
        let lag = queues[port].count - queues[other].count
        if lag > slackSamples || ended[other] { queues[other].writeSilence(count: max(lag, 0)) }
        return try emit(context, count: min(queues[0].count, queues[1].count))
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        guard event == .endOfStream, case .input(let port) = origin else {
            try context.forward(event)
            return
        }
        ended[port] = true
        if ended[0] && ended[1] {
            let count = max(queues[0].count, queues[1].count)
            for side in 0..<2 { queues[side].writeSilence(count: count - queues[side].count) }
            _ = try emit(context, count: count)
            try context.forward(.endOfStream)
        }
    }

    private func emit(_ context: NodeContext, count: Int) throws(NodeError) -> FlowResult {
        guard count > 0, let (left, right) = scratch else { return .ok }
        var result = FlowResult.ok, remaining = count
        while remaining > 0 {
            let chunk = min(remaining, capacity)
            _ = queues[0].read(into: left, count: chunk)
            _ = queues[1].read(into: right, count: chunk)
            let storage = pool.acquire(minimumCapacity: chunk * 4)
            let out = storage.int16
            for i in 0..<chunk {
                out[2 * i] = left[i]
                out[2 * i + 1] = right[i]
            }
            let frame = Frame(buffer: storage, byteCount: chunk * 4, sampleCount: chunk,
                              timestamp: MediaTime(sample: produced, clockRate: rate))
            produced += Int64(chunk)
            result = try context.push(frame)
            remaining -= chunk
        }
        return result
    }
}
