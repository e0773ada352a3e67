import MediaCore
import MediaTesting
import Testing

/// A pass-through used to exercise the harness itself.
final class Passthrough: MediaNode {
    static let descriptor = NodeDescriptor(name: "passthrough", category: .filter, summary: "",
                                           inputs: [PortSpec("sink", .any)], outputs: [PortSpec("src", .any)],
                                           formatRule: .passthrough)
    init(parameters: NodeParameters) {}
    init() {}
    func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        try context.push(frame)
    }
}

@Suite("NodeHarness")
struct NodeHarnessTests {
    @Test("finish() fails when outputs arrived that the test never read")
    func unreadOutputs() throws {
        let h = try NodeHarness(Passthrough(), inputs: [.mono16(8000)])
        try h.push(.silence(duration: .milliseconds(40), sampleRate: 8000))
        #expect(throws: HarnessError.self) { try h.finish() }
    }

    @Test("finish() fails on unread events too, and passes once everything was read")
    func unreadEvents() throws {
        let h = try NodeHarness(Passthrough(), inputs: [.mono16(8000)])
        try h.push(event: .text("hi"))
        #expect(throws: HarnessError.self) { try h.finish() }
        let clean = try NodeHarness(Passthrough(), inputs: [.mono16(8000)])
        try clean.push(.silence(duration: .milliseconds(20), sampleRate: 8000))
        try clean.push(event: .text("hi"))
        #expect(clean.outputs.count == 1)
        #expect(clean.outputEvents() == [.text("hi")])
        try clean.finish()
        #expect(clean.endOfStream())
    }

    @Test("frames are split at the period and timestamps continue across pushes")
    func framing() throws {
        let h = try NodeHarness(Passthrough(), inputs: [.mono16(16000)])
        try h.push(.silence(duration: .milliseconds(50), sampleRate: 16000))
        try h.push(.silence(duration: .milliseconds(20), sampleRate: 16000))
        let frames = h.outputs
        #expect(frames.map(\.sampleCount) == [320, 320, 160, 320])
        #expect(frames.map(\.timestamp.sample) == [0, 320, 640, 800])
        try h.finish()
    }
}
