public import MediaCore

/// `tee`: sends every frame and event to all of its outputs (fan-out).
///
/// Branches receive the same frame; nodes never modify the frames they receive, so sharing
/// is safe and costs nothing.
public final class Tee: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "tee", category: .routing,
        summary: "Copies one stream to several branches.",
        inputs: [PortSpec("sink", .any)],
        outputs: [PortSpec("src", .any, presence: .request)],
        formatRule: .passthrough,
        examples: ["sine ! tee name=t  t. ! wav-recorder path=a.wav  t. ! level-meter"])

    private var outputs = 0

    public init(parameters: NodeParameters) {}

    public func start(_ context: NodeContext) throws(NodeError) { outputs = context.outputFormats.count }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        var result = FlowResult.notLinked
        for output in 0..<outputs {
            result = result.combined(with: try context.push(frame, port: output))
        }
        return result
    }
}
