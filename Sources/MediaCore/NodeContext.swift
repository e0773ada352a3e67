/// A node's handle on its graph during a call to `start`, `process`, `produce` or `handle`:
/// push frames and events downstream, post events to the application, read the clock.
///
/// A context is only valid for the duration of the call it was passed to.
public struct NodeContext {
    /// The node's record in graph-owned memory: a context is one pointer, so a hop passes it in
    /// a register. A context never outlives the call it was passed to, and the graph outlives
    /// every call, so nothing here is reference counted.
    @usableFromInline
    let record: UnsafePointer<NodeRecord>

    @usableFromInline
    init(record: UnsafePointer<NodeRecord>) {
        self.record = record
    }

    /// The node's index in its graph.
    public var nodeIndex: Int { record.pointee.index }

    @inlinable @inline(__always)
    func withGraph<T, E: Error>(_ body: (Graph) throws(E) -> T) throws(E) -> T {
        let result: Result<T, E> = record.pointee.graph._withUnsafeGuaranteedRef { graph in
            do throws(E) {
                return .success(try body(graph))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    @usableFromInline
    var graph: Graph { record.pointee.graph.takeUnretainedValue() }

    /// The node's instance name (its `name=`, or its type with a number when there are several).
    public var name: String { graph.nodeInfo[nodeIndex].name }

    /// The negotiated format of each input port.
    public var inputFormats: [MediaFormat] { graph.nodeInfo[nodeIndex].inputFormats }

    /// The negotiated format of each output port.
    public var outputFormats: [MediaFormat] { graph.nodeInfo[nodeIndex].outputFormats }

    /// The graph's tick counter: tick `n` covers media time `n·period ..< (n+1)·period`.
    @inlinable
    public var tick: Int64 { withGraph { $0.currentTick } }

    /// Whether a real-time clock paces the graph. Sources fed by other threads (a synthesizer, a
    /// network) may wait for data on the virtual clock, never on the real-time one.
    public var isRealtime: Bool { graph.isRealtime }

    /// The duration of one tick (the graph's frame duration, 20 ms by default).
    public var period: Duration { graph.period }

    /// The number of samples at `rate` Hz that belong to the current tick. Over many ticks the
    /// counts add up exactly (at 20 ms, 44.1 kHz gives 882 every tick; 11025 Hz alternates
    /// 220 and 221).
    @inlinable
    public func samplesThisTick(rate: Int) -> Int {
        withGraph { $0.samplesInTick($0.currentTick, rate: rate) }
    }

    /// The media time at which the current tick starts, at `rate` Hz.
    @inlinable
    public func tickStart(rate: Int) -> MediaTime {
        MediaTime(sample: Int64(graph.sampleBoundary(tick: graph.currentTick, rate: rate)), clockRate: rate)
    }

    /// Whether end-of-stream has arrived on every input (true for sources).
    public var allInputsEnded: Bool { graph.allInputsEnded(nodeIndex) }

    /// Pushes a frame out of output `port` to every node linked to it.
    /// - Returns: the combined flow result of the receivers (``FlowResult/notLinked`` if none).
    @inlinable @inline(__always)
    public func push(_ frame: Frame, port: Int = 0) throws(NodeError) -> FlowResult {
        assert(port >= 0 && port < graph.outputCount(of: nodeIndex), "\(name) has no output port \(port)")
        if let route = record.pointee.direct[port] { return try Graph.hop(frame, through: route) }
        let node = nodeIndex
        return try withGraph { (graph) throws(NodeError) -> FlowResult in try graph.deliverSlow(frame, from: node, port: port) }
    }

    /// Sends an event out of output `port`.
    public func push(event: MediaEvent, port: Int) throws(NodeError) {
        assert(port >= 0 && port < graph.outputCount(of: nodeIndex), "\(name) has no output port \(port)")
        try graph.deliver(event: event, from: nodeIndex, port: port)
    }

    /// Sends an event out of every output port.
    public func forward(_ event: MediaEvent) throws(NodeError) {
        for port in 0..<graph.outputCount(of: nodeIndex) {
            try graph.deliver(event: event, from: nodeIndex, port: port)
        }
    }

    /// Posts an event for the application (a level reading, recognized text, a detected digit).
    /// It is delivered to the graph's message handler with this node's name.
    public func post(_ event: MediaEvent) {
        graph.post(GraphMessage(node: name, event: event))
    }
}

/// An event posted by a node for the application.
public struct GraphMessage: Sendable, Equatable {
    /// The instance name of the node that posted it.
    public var node: String
    /// The event.
    public var event: MediaEvent

    /// Creates a message.
    public init(node: String, event: MediaEvent) {
        self.node = node
        self.event = event
    }
}
