import MediaCore
import Synchronization
import Testing

@Suite("Graph runtime")
struct GraphRuntimeTests {
    /// Builds `ramp → recording-sink` with the ramp's parameters.
    func rampGraph(rate: Int, samples: Int = 0, period: Duration = .milliseconds(20),
                   sink: RecordingSink = RecordingSink()) throws -> (Graph, RecordingSink) {
        var spec = GraphSpec()
        let source = spec.add(.init(type: "ramp", parameters: ["rate": .int(rate), "samples": .int(samples)]))
        let output = spec.add(.init(type: "@sink"))
        spec.link(source, to: output)
        let graph = try GraphBuilder(registry: try testRegistry(), slots: ["@sink": .instance(sink)])
            .build(spec, period: period)
        return (graph, sink)
    }

    @Test("sample counts per tick add up exactly over long runs", arguments: [8000, 11025, 44100, 48000, 22050])
    func exactSampleCounts(rate: Int) throws {
        let (graph, sink) = try rampGraph(rate: rate)
        let report = try graph.run(clock: VirtualClock(), limit: .seconds(60))
        #expect(report.mediaDuration == .seconds(60))
        #expect(sink.samples[0].count == rate * 60)
        // Timestamps are contiguous: each frame starts where the previous one ended.
        for i in 1..<sink.timestamps.count {
            #expect(sink.timestamps[i].sample == sink.timestamps[i - 1].sample + Int64(sink.frameSizes[i - 1]))
        }
        // Frame sizes never differ by more than one sample (44.1 kHz: 882 each; 11025 Hz: 220/221).
        #expect(sink.frameSizes.max()! - sink.frameSizes.min()! <= 1)
    }

    @Test("a source that ends sends end-of-stream; finish stops every node once")
    func endOfStreamAndStop() throws {
        let (graph, sink) = try rampGraph(rate: 8000, samples: 1000)
        let report = try graph.run(clock: VirtualClock())
        #expect(sink.samples[0] == (0..<1000).map { Int16($0) })
        #expect(sink.events.count == 1)
        #expect(sink.events.first?.0 == .endOfStream)
        #expect(sink.stopCount == 1)
        #expect(!report.stoppedEarly)
        try graph.finish()
        #expect(sink.stopCount == 1, "finish is idempotent")
    }

    @Test("requestStop from another thread ends a never-ending graph and still finalizes")
    func requestStop() async throws {
        let (graph, sink) = try rampGraph(rate: 8000)
        let run = Task.detached { try graph.run(clock: RealtimeClock()) }
        try await Task.sleep(for: .milliseconds(100))
        graph.requestStop()
        let report = try await run.value
        #expect(report.stoppedEarly)
        #expect(sink.stopCount == 1)
        #expect(sink.events.contains { $0.0 == .endOfStream }, "end-of-stream reaches sinks on a stop")
    }

    @Test("a stop requested before the run ends it at once, cleanly")
    func stopBeforeRun() throws {
        let (graph, sink) = try rampGraph(rate: 8000)
        graph.requestStop()
        let report = try graph.run(clock: VirtualClock())
        #expect(report.stoppedEarly && report.mediaDuration == .zero)
        #expect(sink.stopCount == 1)
    }

    @Test("application events reach the named node at the next tick")
    func applicationEvents() throws {
        let (graph, sink) = try rampGraph(rate: 8000)
        try graph.start()
        #expect(graph.send(.text("hello"), to: "@sink"))
        #expect(!graph.send(.text("nobody"), to: "missing"))
        try graph.step()
        #expect(sink.events.count == 1)
        #expect(sink.events.first?.0 == .text("hello"))
        #expect(sink.events.first?.1 == .application)
        try graph.finish()
    }

    @Test("a node error stops the run and names the failing node, not the source")
    func errorsNameTheNode() throws {
        let sink = RecordingSink()
        sink.failAfter = 3
        let (graph, _) = try rampGraph(rate: 8000, sink: sink)
        #expect {
            try graph.run(clock: VirtualClock(), limit: .seconds(1))
        } throws: { error in
            let runError = try #require(error as? GraphRunError)
            return runError.node == "@sink" && runError.underlying.message == "disk full"
        }
        #expect(sink.stopCount == 1, "nodes are stopped after a failure")
    }

    @Test("pool blocks are handed out round-robin (count rounded up to a power of two) and resized when frames grow")
    func poolRotation() throws {
        let pool = FramePool(byteCapacity: 64, count: 3)
        let blocks = (0..<4).map { _ in pool.acquire().bytes }
        let a = blocks[0]
        #expect(Set(blocks).count == 4, "three blocks asked for, four distinct blocks given")
        #expect(pool.acquire().bytes == a, "the ring wraps")
        #expect(Int(bitPattern: a) % 16 == 0, "blocks are 16-byte aligned")
        let big = pool.acquire(minimumCapacity: 1000)
        #expect(big.capacity >= 1000 && pool.blockCapacity == 1000)
        #expect(pool.blockCount == 4)
        #expect(FramePool(byteCapacity: 64, count: 1).blockCount == 1)
        #expect(FramePool(byteCapacity: 64, count: 0).blockCount == 1)
    }

    @Test("a sink that keeps copies sees every frame intact after the pools have wrapped")
    func copiesStayIntact() throws {
        let sink = RecordingSink()
        sink.keepFrames = true
        let (graph, _) = try rampGraph(rate: 8000, samples: 16000, sink: sink)
        _ = try graph.run(clock: VirtualClock())
        #expect(sink.kept.count == 100)
        let kept = sink.kept.flatMap { owned in owned.withFrame { Array($0.int16Samples) } }
        #expect(kept == (0..<16000).map { Int16(truncatingIfNeeded: $0) })
    }

    @Test("posted messages reach the message handler with the node's name")
    func postedMessages() throws {
        final class Poster: SourceNode {
            static let descriptor = NodeDescriptor(name: "poster", category: .source, summary: "",
                                                   outputs: [PortSpec("src", .anyPCM(), presence: .optional)])
            init(parameters: NodeParameters) {}
            init() {}
            func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
                Array(repeating: .mono16(8000), count: negotiation.outputCount)
            }
            func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
                context.post(.text("tick \(context.tick)"))
                return context.tick == 2 ? .endOfStream : .ok
            }
        }
        var spec = GraphSpec()
        spec.add(.init(type: "@poster", name: "p"))
        let graph = try GraphBuilder(registry: NodeRegistry(), slots: ["@poster": .instance(Poster())]).build(spec)
        let seen = Mutex<[GraphMessage]>([])
        graph.setMessageHandler { message in seen.withLock { $0.append(message) } }
        _ = try graph.run(clock: VirtualClock())
        #expect(seen.withLock { $0 } == [GraphMessage(node: "p", event: .text("tick 0")),
                                         GraphMessage(node: "p", event: .text("tick 1")),
                                         GraphMessage(node: "p", event: .text("tick 2"))])
    }

    @Test("the real-time clock never runs ahead of media time")
    func realtimePacing() throws {
        let (graph, _) = try rampGraph(rate: 8000)
        let start = RealtimeClock.monotonicNanoseconds()
        let report = try graph.run(clock: RealtimeClock(), limit: .milliseconds(200))
        let wall = RealtimeClock.monotonicNanoseconds() - start
        #expect(report.mediaDuration == .milliseconds(200))
        // Tick n cannot start before epoch + n·20 ms, so 10 ticks take at least 9 periods.
        #expect(wall >= 180_000_000)
    }

    @Test("a graph whose nodes keep a messenger (to post from other threads) is freed when its owner lets go: one graph per call must not live on")
    func messengerDoesNotKeepTheGraph() throws {
        weak var released: Graph?
        let sink = MessengerSink()
        do {
            var spec = GraphSpec()
            let source = spec.add(.init(type: "ramp", parameters: ["rate": .int(8000), "samples": .int(800)]))
            let output = spec.add(.init(type: "@sink"))
            spec.link(source, to: output)
            let kept = try GraphBuilder(registry: try testRegistry(), slots: ["@sink": .instance(sink)]).build(spec)
            _ = try kept.run(clock: VirtualClock())
            released = kept
        }
        #expect(sink.messenger != nil, "the node took its messenger")
        #expect(released == nil, "the graph was freed although a node still holds a messenger")
        sink.messenger?.post(.text("after the graph"))   // dropped, no crash
    }
}

/// A sink that keeps a messenger, as a recognizer or an RTP receiver does.
final class MessengerSink: MediaNode {
    static let descriptor = NodeDescriptor(name: "messenger-sink", category: .sink, summary: "Test sink.",
                                           inputs: [PortSpec("sink", .any)])
    var messenger: NodeMessenger?

    init(parameters: NodeParameters) {}
    init() {}

    func start(_ context: NodeContext) throws(NodeError) { messenger = context.messenger }

    func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult { .ok }
}
