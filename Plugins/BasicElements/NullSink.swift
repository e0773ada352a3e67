public import MediaCore

/// `null-sink`: accepts anything and throws it away, counting what arrived.
public final class NullSink: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "null-sink", category: .sink,
        summary: "Discards its input; counts frames and media time for the run summary.",
        inputs: [PortSpec("sink", .any)],
        examples: ["sine duration=1s ! null-sink"])

    private var frames = 0
    private var samples: Int64 = 0
    private var format: MediaFormat?

    public init(parameters: NodeParameters) {}

    public func start(_ context: NodeContext) throws(NodeError) { format = context.inputFormats.first }

    @inline(__always)  // the witness holds the body: one call per hop (see MediaNode.process)
    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        frames &+= 1
        samples &+= Int64(frame.sampleCount)
        return .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {}

    public var summary: String? {
        guard let format else { return nil }
        let time = MediaTime(sample: samples, clockRate: format.clockRate)
        return "received \(time) of \(format) in \(frames) frames"
    }
}
