import MediaCore
import MediaTesting
import PipelineLanguage

/// Runs pipeline text whose `@capture` slot is a capturing sink, on the virtual clock.
enum PipelineTestSupport {
    final class Capture: MediaNode {
        static let descriptor = NodeDescriptor(name: "capture", category: .sink, summary: "",
                                               inputs: [PortSpec("sink", .any)])
        var samples: [Int16] = []
        var ended = false
        init() {}
        init(parameters: NodeParameters) {}
        func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
            samples += frame.int16Samples
            return .ok
        }
        func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
            if event == .endOfStream { ended = true }
        }
    }

    struct Result {
        var capture: Capture
        var report: GraphRunReport
    }

    static func run(_ text: String, registry: NodeRegistry, limit: Duration? = nil) throws -> Result {
        let capture = Capture()
        let graph = try PipelineCompiler(registry: registry, slots: ["@capture": .instance(capture)]).build(text)
        let report = try graph.run(clock: VirtualClock(), limit: limit)
        return Result(capture: capture, report: report)
    }
}
