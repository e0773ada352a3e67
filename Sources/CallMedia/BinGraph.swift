import MediaCore
import SDP

/// The graph inside a codec bin: `inlet ! [resample !] codec [! resample] ! outlet`, run by
/// the bin on its own graph's executor. The inlet stands for the bin's input (frames are pushed
/// in from it); the outlet hands what comes out back to the bin.
final class BinGraph {
    let graph: Graph
    let inletIndex: Int
    /// What the codec's side of the bin carries (the outlet's input).
    let outputFormat: MediaFormat
    /// The inner nodes' types, in order, for summaries.
    let chain: [String]

    /// Plans `nodes` between an inlet producing `input` and an outlet that accepts `output`
    /// (anything when nil). A resampler is added where the formats would not meet: before the
    /// nodes (`resampleFirst`) or after them.
    static func build(registry: NodeRegistry, input: MediaFormat, nodes: [(type: String, parameters: [String: ParameterValue])],
                      output: MediaFormat?, resampleFirst: Bool, receiver: any BinOutputReceiver,
                      period: Duration) throws(GraphBuildError) -> BinGraph {
        do {
            return try plan(registry: registry, input: input, nodes: nodes, output: output, receiver: receiver, period: period)
        } catch {
            var adapted = nodes
            let resample: (type: String, parameters: [String: ParameterValue]) =
                ("resample", output.map { ["rate": .int($0.clockRate)] } ?? [:])
            if resampleFirst { adapted.insert(resample, at: 0) } else { adapted.append(resample) }
            return try plan(registry: registry, input: input, nodes: adapted, output: output, receiver: receiver, period: period)
        }
    }

    private static func plan(registry: NodeRegistry, input: MediaFormat, nodes: [(type: String, parameters: [String: ParameterValue])],
                             output: MediaFormat?, receiver: any BinOutputReceiver, period: Duration) throws(GraphBuildError) -> BinGraph {
        var spec = GraphSpec()
        var previous = spec.add(.init(type: "@in"))
        let inletIndex = previous
        for node in nodes {
            let next = spec.add(.init(type: node.type, parameters: node.parameters))
            spec.link(previous, to: next)
            previous = next
        }
        let out = spec.add(.init(type: "@out"))
        spec.link(previous, to: out)
        let outlet = BinOutlet(accepts: output.map(FormatConstraint.exactly) ?? .any, receiver: receiver)
        let plan = try GraphBuilder(registry: registry, slots: ["@in": .instance(BinInlet(format: input)), "@out": .instance(outlet)])
            .plan(spec)
        guard let format = plan.nodes.first(where: { $0.instance === outlet })?.inputFormats.first ?? nil else {
            throw GraphBuildError([Diagnostic(at: nil, "\(nodes.map(\.type).joined(separator: " ! ")) does not settle on a format")])
        }
        return BinGraph(graph: try plan.makeGraph(period: period), inletIndex: inletIndex, outputFormat: format,
                        chain: nodes.map(\.type))
    }

    private init(graph: Graph, inletIndex: Int, outputFormat: MediaFormat, chain: [String]) {
        self.graph = graph
        self.inletIndex = inletIndex
        self.outputFormat = outputFormat
        self.chain = chain
    }

    /// Feeds one frame through.
    func push(_ frame: Frame) throws(NodeError) -> FlowResult { try graph.push(frame, fromNode: inletIndex) }

    /// Ends the inner stream (codecs flush) and stops its nodes.
    func finish() { try? graph.finish() }
}

/// Where a bin's outlet hands frames: the bin, which sends them on from its own output.
protocol BinOutputReceiver: AnyObject {
    func binOutput(_ frame: Frame) throws(NodeError) -> FlowResult
}

/// The inner graph's entry: a source that never produces by itself (frames are pushed from it).
final class BinInlet: SourceNode {
    static let descriptor = NodeDescriptor(name: "bin-inlet", category: .source, summary: "A codec bin's input.",
                                           outputs: [PortSpec("src", .any)], formatRule: .custom)
    private let format: MediaFormat

    init(format: MediaFormat) { self.format = format }

    init(parameters: NodeParameters) throws(NodeError) { throw .configuration("bin-inlet is made by a codec bin") }

    func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [format] }

    func produce(_ context: NodeContext) throws(NodeError) -> FlowResult { .ok }

    var expectedDuration: Duration? { nil }
    var endsByItself: Bool { false }
}

/// The inner graph's exit: hands every frame to the bin.
final class BinOutlet: MediaNode {
    static let descriptor = NodeDescriptor(name: "bin-outlet", category: .sink, summary: "A codec bin's output.",
                                           inputs: [PortSpec("sink", .any)])
    private let accepts: FormatConstraint
    private unowned let receiver: any BinOutputReceiver

    init(accepts: FormatConstraint, receiver: any BinOutputReceiver) {
        self.accepts = accepts
        self.receiver = receiver
    }

    init(parameters: NodeParameters) throws(NodeError) { throw .configuration("bin-outlet is made by a codec bin") }

    func acceptedFormats(forInput port: Int) -> FormatConstraint { accepts }

    func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        try receiver.binOutput(frame)
    }

    func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {}
}

/// What a codec bin does with its inner graph whatever the codec: start it, pass frames through
/// it with the outer context at hand, flush it at the end, and swap it for another between two
/// frames. The bins keep what differs: which nodes, and how timestamps come out.
final class BinSlot {
    private(set) var inner: BinGraph?
    /// The bin's own context, while a frame or event passes through the inner graph.
    private(set) var outer: NodeContext?
    /// Codec changes so far.
    private(set) var changes = 0

    /// The graph planned at negotiation.
    func install(_ built: BinGraph) { inner = built }

    /// Starts the inner graph with the bin.
    func start(_ context: NodeContext) throws(NodeError) {
        do {
            try inner?.graph.start(realtime: context.isRealtime)
        } catch {
            throw error.underlying
        }
    }

    /// Passes `frame` through the inner graph.
    func push(_ frame: Frame, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let inner else { return .ok }
        outer = context
        defer { outer = nil }
        return try inner.push(frame)
    }

    /// Ends the inner stream: the codec flushes what it holds out through the bin.
    func flush(_ context: NodeContext) {
        outer = context
        inner?.finish()
        outer = nil
    }

    /// Replaces the inner graph by `built` (started here) after flushing the old one.
    func swap(to built: BinGraph, context: NodeContext) throws(NodeError) {
        do {
            try built.graph.start(realtime: context.isRealtime)
        } catch {
            throw error.underlying
        }
        flush(context)
        inner = built
        changes += 1
    }

    /// Stops the inner graph.
    func stop() { inner?.finish() }

    /// `PCMU/8000 (pcmu-encoder)`, with the changes so far.
    func summary(_ codec: CodecCapability, node: String) -> String {
        let chain = inner?.chain.joined(separator: " ! ") ?? node
        return "\(codec.encoding)/\(codec.clockRate) (\(chain))" + (changes > 0 ? ", \(changes) codec change(s)" : "")
    }
}
