public import MediaCore
import PipelineLanguage

/// Drives one node, or a small pipeline, in isolation: push frames and events in, read what
/// comes out. The Callwire counterpart of NIO's `EmbeddedChannel` and GStreamer's `GstHarness`.
///
/// ```
/// let h = try NodeHarness(PCMUEncoder(parameters: p), inputs: [.mono16(8000)])
/// try h.push(.sine(hz: 1000, duration: .milliseconds(40), sampleRate: 8000))
/// #expect(h.outputs.count == 2)
/// #expect(h.negotiatedOutput == .encoded(codec: .pcmu, clockRate: 8000, channels: 1))
/// try h.finish()   // throws if outputs arrived that the test never looked at
/// ```
///
/// Inputs are fed by harness sources, outputs land in capture sinks; between them the node runs
/// in a real ``Graph``, so negotiation, events and end-of-stream behave as in a call. Source nodes
/// are driven by advancing ``clock``.
public final class NodeHarness {
    /// A frame captured at an output, copied out of pooled storage.
    public struct CapturedFrame: Sendable, Hashable {
        /// The frame's bytes.
        public var bytes: [UInt8]
        /// The frame's duration in samples.
        public var sampleCount: Int
        /// The frame's timestamp.
        public var timestamp: MediaTime
        /// The frame's flags.
        public var flags: Frame.Flags

        /// The bytes as 16-bit samples.
        public var samples: [Int16] {
            bytes.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        }
    }

    /// The graph under test.
    public let graph: Graph
    /// The clock that drives source nodes.
    public let clock: TestMediaClock
    private let inputs: [HarnessSource]
    private let captures: [CaptureSink]
    private var observed: [Int]
    private var observedEvents: [Int]
    private let messages = MessageLog()
    private var finished = false

    /// Harnesses a single node whose input ports receive `inputs` formats.
    public convenience init(_ node: any MediaNode, inputs: [MediaFormat] = [], clock: TestMediaClock = TestMediaClock(),
                            outputs: Int? = nil, period: Duration = .milliseconds(20)) throws {
        var spec = GraphSpec()
        var slots: [String: SlotBinding] = [:]
        let center = spec.add(.init(type: "@node"))
        slots["@node"] = .instance(node)
        for (i, format) in inputs.enumerated() {
            let source = spec.add(.init(type: "@in\(i)"))
            slots["@in\(i)"] = .instance(HarnessSource(format: format))
            spec.link(source, to: center)
        }
        let descriptor = type(of: node).descriptor
        let outputCount = outputs ?? descriptor.outputs.filter { $0.presence != .request }.count
        for i in 0..<outputCount {
            let sink = spec.add(.init(type: "@out\(i)"))
            slots["@out\(i)"] = .instance(CaptureSink())
            spec.link(center, to: sink)
        }
        try self.init(spec: spec, slots: slots, registry: NodeRegistry(), clock: clock, period: period)
    }

    /// Harnesses a sub-pipeline written in the pipeline language. Its first node's inputs are fed
    /// with `inputs`; its last node's outputs are captured.
    public convenience init(pipeline: String, registry: NodeRegistry, inputs: [MediaFormat] = [],
                            clock: TestMediaClock = TestMediaClock(), period: Duration = .milliseconds(20)) throws {
        var spec = try Parser.parse(pipeline).lower()
        var slots: [String: SlotBinding] = [:]
        let first = 0, last = spec.nodes.count - 1
        for (i, format) in inputs.enumerated() {
            let source = spec.add(.init(type: "@in\(i)"))
            slots["@in\(i)"] = .instance(HarnessSource(format: format))
            spec.link(source, to: first)
        }
        let lastType = registry.descriptor(named: spec.nodes[last].type)
        let outputCount = lastType?.outputs.filter { $0.presence != .request }.count ?? 0
        for i in 0..<outputCount {
            let sink = spec.add(.init(type: "@out\(i)"))
            slots["@out\(i)"] = .instance(CaptureSink())
            spec.link(last, to: sink)
        }
        try self.init(spec: spec, slots: slots, registry: registry, clock: clock, period: period)
    }

    private init(spec: GraphSpec, slots: [String: SlotBinding], registry: NodeRegistry,
                 clock: TestMediaClock, period: Duration) throws {
        let plan = try GraphBuilder(registry: registry, slots: slots).plan(spec)
        graph = try plan.makeGraph(period: period)
        self.clock = clock
        inputs = graph.allNodes.compactMap { $0 as? HarnessSource }
        captures = graph.allNodes.compactMap { $0 as? CaptureSink }
        observed = captures.map { _ in 0 }
        observedEvents = captures.map { _ in 0 }
        let log = messages
        graph.setMessageHandler { log.append($0) }
        try graph.start()
        let period = graph.period
        var ticksRun: Int64 = 0
        clock.onAdvance { [unowned self] elapsed in
            let due = Int64(elapsed.secondsDouble / period.secondsDouble + 1e-9)
            while ticksRun < due {
                ticksRun += 1
                _ = try? self.graph.step()
            }
        }
    }

    // MARK: Negotiation

    /// The format of every captured output.
    public var negotiatedOutputs: [MediaFormat] {
        captures.map { $0.format ?? .mono16(0) }
    }

    /// The format of the first output.
    public var negotiatedOutput: MediaFormat? { captures.first?.format }

    // MARK: Input

    /// Pushes a signal into input `port`, split into frames of the graph's period.
    public func push(_ signal: Signal, port: Int = 0) throws {
        let frameSamples = max(1, graph.period.samples(atRate: signal.sampleRate)) * signal.channels
        var start = 0
        while start < signal.samples.count {
            let end = min(start + frameSamples, signal.samples.count)
            try push(samples: Array(signal.samples[start..<end]), port: port)
            start = end
        }
    }

    /// Pushes one frame of 16-bit samples into input `port`.
    public func push(samples: [Int16], port: Int = 0, flags: Frame.Flags = []) throws {
        let source = inputs[port]
        let bytes = samples.withUnsafeBytes { Array($0) }
        try push(bytes: bytes, sampleCount: samples.count / max(source.format.channels, 1), port: port, flags: flags)
    }

    /// Pushes one frame of raw bytes (encoded media) into input `port`.
    public func push(bytes: [UInt8], sampleCount: Int, port: Int = 0, flags: Frame.Flags = []) throws {
        inputs[port].enqueue(.frame(bytes: bytes, sampleCount: sampleCount, flags: flags))
        try graph.step()
    }

    /// Sends an event down input `port`, in order with the frames.
    public func push(event: MediaEvent, port: Int = 0) throws {
        inputs[port].enqueue(.event(event))
        try graph.step()
    }

    /// Sends an event to the node from the application (as `Graph.send(_:to:)` would).
    public func send(_ event: MediaEvent, to node: String) throws {
        graph.send(event, to: node)
        try graph.step()
    }

    // MARK: Output

    /// Everything captured at output `port` so far. Reading marks it as seen for ``finish()``.
    public func outputs(port: Int) -> [CapturedFrame] {
        precondition(captures.indices.contains(port), "the harnessed node has \(captures.count) captured output(s), not port \(port)")
        observed[port] = captures[port].frames.count
        return captures[port].frames
    }

    /// Everything captured at output 0 so far.
    public var outputs: [CapturedFrame] { outputs(port: 0) }

    /// All samples captured at output `port`, concatenated.
    public func outputSamples(port: Int = 0) -> [Int16] { outputs(port: port).flatMap(\.samples) }

    /// Events (other than end-of-stream) that reached output `port`.
    public func outputEvents(port: Int = 0) -> [MediaEvent] {
        precondition(captures.indices.contains(port), "the harnessed node has \(captures.count) captured output(s), not port \(port)")
        observedEvents[port] = captures[port].events.count
        return captures[port].events
    }

    /// Whether end-of-stream reached output `port`.
    public func endOfStream(port: Int = 0) -> Bool { captures[port].ended }

    /// Events the nodes posted for the application.
    public var postedMessages: [GraphMessage] { messages.all }

    // MARK: End

    /// Ends the inputs, stops the graph, and throws if an output or event arrived that the test
    /// never read (like `EmbeddedChannel.finish()` reporting leftover data).
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try graph.finish()
        for (port, capture) in captures.enumerated() {
            let unread = capture.frames.count - observed[port]
            let unreadEvents = capture.events.count - observedEvents[port]
            if unread > 0 || unreadEvents > 0 {
                throw HarnessError(message: "output \(port) has \(unread) unread frame(s) and \(unreadEvents) unread event(s)")
            }
        }
    }
}

/// A harness check failed.
public struct HarnessError: Error, CustomStringConvertible {
    /// What was left over.
    public var message: String
    public var description: String { message }
}

/// Thread-safe list of posted messages.
final class MessageLog: @unchecked Sendable {
    private var items: [GraphMessage] = []
    private let lock = HarnessLock()

    func append(_ message: GraphMessage) { lock.withLock { items.append(message) } }
    var all: [GraphMessage] { lock.withLock { items } }
}
