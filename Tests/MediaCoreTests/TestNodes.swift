import MediaCore

/// A source that emits ramp samples (0, 1, 2, …) at `rate`, for `limit` samples (nil = forever).
final class RampSource: SourceNode {
    static let descriptor = NodeDescriptor(
        name: "ramp", category: .source, summary: "Test ramp.",
        outputs: [PortSpec("src", .anyPCM())],
        parameters: [ParameterSpec("rate", .sampleRate, default: .int(8000), doc: "rate"),
                     ParameterSpec("samples", .int, default: .int(0), doc: "0 = forever")])

    let rate: Int
    let limit: Int?
    var produced = 0
    let pool = FramePool(byteCapacity: 8192)
    var started = 0
    var stopped = 0

    init(parameters: NodeParameters) {
        rate = parameters.int("rate")
        let samples = parameters.int("samples")
        limit = samples == 0 ? nil : samples
    }

    func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [.mono16(rate)] }
    func start(_ context: NodeContext) throws(NodeError) { started += 1 }
    func stop(_ context: NodeContext) { stopped += 1 }

    func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        var count = context.samplesThisTick(rate: rate)
        if let limit { count = min(count, limit - produced) }
        guard count > 0 else { return .endOfStream }
        let storage = pool.acquire(minimumCapacity: count * 2)
        for i in 0..<count { storage.int16[i] = Int16(truncatingIfNeeded: produced + i) }
        let frame = Frame(buffer: storage, byteCount: count * 2, sampleCount: count,
                          timestamp: MediaTime(sample: Int64(produced), clockRate: rate))
        produced += count
        return try context.push(frame)
    }
}

/// A sink that records everything it sees; optionally keeps frames (to test pool growth).
final class RecordingSink: MediaNode {
    static let descriptor = NodeDescriptor(
        name: "recording-sink", category: .sink, summary: "Test sink.",
        inputs: [PortSpec("sink", .any, presence: .request)])

    var samples: [[Int16]] = []
    var timestamps: [MediaTime] = []
    var frameSizes: [Int] = []
    var events: [(MediaEvent, EventOrigin)] = []
    var kept: [OwnedFrame] = []
    var keepFrames = false
    var stopCount = 0
    var failAfter: Int?

    init(parameters: NodeParameters) {}
    init() {}

    func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        while samples.count <= port { samples.append([]) }
        samples[port].append(contentsOf: frame.int16Samples)
        timestamps.append(frame.timestamp)
        frameSizes.append(frame.sampleCount)
        if keepFrames { kept.append(frame.copy()) }
        if let failAfter, timestamps.count > failAfter { throw .io("disk full") }
        return .ok
    }

    func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        events.append((event, origin))
    }

    func stop(_ context: NodeContext) { stopCount += 1 }
}

/// A passthrough that only accepts 8 kHz, to test constraint propagation.
final class NarrowFilter: MediaNode {
    static let descriptor = NodeDescriptor(
        name: "narrow", category: .filter, summary: "8 kHz only.",
        inputs: [PortSpec("sink", .pcm(rates: [8000], channels: [1]))],
        outputs: [PortSpec("src", .pcm(rates: [8000], channels: [1]))],
        formatRule: .passthrough)
    init(parameters: NodeParameters) {}
}

/// A converter whose output rate is fixed by what downstream accepts.
final class AnyRateConverter: MediaNode {
    static let descriptor = NodeDescriptor(
        name: "convert", category: .filter, summary: "Picks the downstream rate.",
        inputs: [PortSpec("sink", .anyPCM())], outputs: [PortSpec("src", .anyPCM())])
    var chosen: MediaFormat?
    init(parameters: NodeParameters) {}
    func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        let format = negotiation.downstream[0].fixate(preferring: negotiation.inputs[0]) ?? negotiation.inputs[0]
        chosen = format
        return [format]
    }
}

/// A two-output pass-through tee used by builder tests.
final class TestTee: MediaNode {
    static let descriptor = NodeDescriptor(
        name: "test-tee", category: .routing, summary: "Fan-out.",
        inputs: [PortSpec("sink", .any)], outputs: [PortSpec("src", .any, presence: .request)],
        formatRule: .passthrough)
    init(parameters: NodeParameters) {}
    func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        var result = FlowResult.notLinked
        for output in context.outputFormats.indices { result = result.combined(with: try context.push(frame, port: output)) }
        return result
    }
}

enum TestPlugin: MediaPlugin {
    static let name = "test"
    static let nodeTypes: [any MediaNode.Type] = [RampSource.self, RecordingSink.self, NarrowFilter.self,
                                                   AnyRateConverter.self, TestTee.self]
}

func testRegistry() throws -> NodeRegistry { try NodeRegistry(plugins: [TestPlugin.self]) }
