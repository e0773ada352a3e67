/// A processing element of a media graph: a source, a filter, a codec or a sink.
///
/// ```
///   upstream ──frame──▶ process(_:port:context:) ──context.push(frame)──▶ downstream
///            ──event──▶ handle(_:from:context:)  ──context.forward(event)─▶
/// ```
///
/// A node type describes itself with a static ``descriptor`` and is created from validated
/// parameters. When a graph is built, the builder checks every input link against
/// ``acceptedFormats(forInput:)`` and asks the node which formats it produces
/// (``negotiate(_:)``). Then ``start(_:)`` runs once, frames and events flow, and ``stop(_:)``
/// runs once at the end (after end-of-stream, or when the graph is stopped early).
///
/// Threading: every method is called on the graph's executor, one call at a time. The data
/// plane is synchronous: `process` must not block, sleep, lock or allocate per frame (use a
/// ``FramePool``). Nodes own no threads.
public protocol MediaNode: AnyObject, SendableMetatype {
    /// What this node type is: name, ports, parameters.
    static var descriptor: NodeDescriptor { get }

    /// Creates a node from parameters validated against ``descriptor``.
    init(parameters: NodeParameters) throws(NodeError)

    /// The formats input `port` accepts; by default what the descriptor declares. Override when
    /// it depends on parameters (a Speex encoder in wideband mode accepts 16 kHz only).
    func acceptedFormats(forInput port: Int) -> FormatConstraint

    /// Chooses the format of every output from the inputs' formats.
    ///
    /// Called once at build time, in upstream-to-downstream order. The default implementation
    /// copies the first input's format to every output (right for ``FormatRule/passthrough``).
    /// - Throws: ``NodeError/format(_:)`` when the combination cannot work.
    func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat]

    /// Prepares for processing: allocate pools, open files. Called once before the first tick.
    func start(_ context: NodeContext) throws(NodeError)

    /// Processes one frame that arrived on input `port`, pushing results with `context.push`.
    ///
    /// Runs once per frame per node, so its fixed cost is the graph's overhead. A node with one
    /// input usually ignores `port`; the optimizer then makes a copy of the method without it,
    /// and the protocol witness calls the method, which calls the copy: two extra calls per frame.
    /// Marking the implementation `@inline(__always)` puts the body in the witness instead (the
    /// `gain`, the G.711 codecs, `null-sink` and the tone sources' `produce` do).
    func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult

    /// Handles an event. End-of-stream arrives once per input that ends; the default forwards
    /// it when ``NodeContext/allInputsEnded`` and forwards every other event at once.
    func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError)

    /// Releases resources and finalizes output (close files). Called exactly once.
    func stop(_ context: NodeContext)

    /// One line describing what the node did, for `pipeline run` summaries (sinks mostly).
    var summary: String? { get }
}

/// A node driven by the graph's clock: it produces one period of media per tick.
///
/// Most sources have no inputs (a tone, a file, a sound card). A source may also have inputs
/// when its output follows a clock of its own rather than its input's arrivals: a jitter buffer
/// plays out one frame per tick whether packets came or not; a network impairment releases
/// packets when their delay is over. Such a node receives frames through `process`, is ticked
/// after the nodes upstream of it in each tick, and ends when `produce` returns
/// ``FlowResult/endOfStream`` — so its `handle` must not forward the end-of-stream of its input.
public protocol SourceNode: MediaNode {
    /// Produces the media for the current tick (`context.tick`) and pushes it.
    /// - Returns: ``FlowResult/endOfStream`` when the source has nothing more to produce.
    func produce(_ context: NodeContext) throws(NodeError) -> FlowResult

    /// How much media the source will produce, or `nil` if it runs until stopped or cannot tell.
    var expectedDuration: Duration? { get }

    /// Whether the source ends by itself. By default, when ``expectedDuration`` is known; a
    /// source that ends at a time it cannot predict (speech being synthesized) says so here.
    var endsByItself: Bool { get }
}

/// What the builder knows when a node chooses its output formats.
public struct FormatNegotiation: Sendable {
    /// The format of each input port, in port order.
    public var inputs: [MediaFormat]
    /// For each output port, the formats the nodes linked to it accept (looking through
    /// passthrough nodes). Use it to fixate an open choice, such as a resampler's output rate.
    public var downstream: [FormatConstraint]

    /// Creates a negotiation request.
    public init(inputs: [MediaFormat], downstream: [FormatConstraint], linked: [Bool]? = nil) {
        self.inputs = inputs
        self.downstream = downstream
        self.linked = linked ?? downstream.map { _ in true }
    }

    /// Whether each output port is linked (an optional output may be left unlinked).
    public var linked: [Bool]

    /// The number of output ports (linked or not); the node returns one format for each.
    public var outputCount: Int { downstream.count }
}

extension MediaNode {
    public func acceptedFormats(forInput port: Int) -> FormatConstraint {
        let inputs = Self.descriptor.inputs
        guard !inputs.isEmpty else { return FormatConstraint([]) }
        return inputs[min(port, inputs.count - 1)].formats
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard let first = negotiation.inputs.first else {
            throw .format("\(Self.descriptor.name) must choose its output format itself")
        }
        return Array(repeating: first, count: negotiation.outputCount)
    }

    public func start(_ context: NodeContext) throws(NodeError) {}

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, !context.allInputsEnded { return }
        try context.forward(event)
    }

    public func stop(_ context: NodeContext) {}

    public var summary: String? { nil }
}

extension SourceNode {
    public var expectedDuration: Duration? { nil }
    public var endsByItself: Bool { expectedDuration != nil }
}

/// A family of node types shipped together (≈ a GStreamer plugin or a baresip module).
///
/// ```
/// public enum G711Plugin: MediaPlugin {
///     public static let name = "g711"
///     public static let nodeTypes: [any MediaNode.Type] = [PCMUEncoder.self, PCMUDecoder.self]
/// }
/// ```
public protocol MediaPlugin: SendableMetatype {
    /// A short name for listings.
    static var name: String { get }
    /// The node types the plugin provides.
    static var nodeTypes: [any MediaNode.Type] { get }
}
