/// Posts a node's messages to the application from any thread.
///
/// Most nodes post from `process` through ``NodeContext/post(_:)``. A node whose results are
/// computed off the graph's executor (a speech recognizer decoding on a worker thread) takes a
/// messenger in `start` and posts through it when the work is done.
///
/// It refers to its graph weakly: a node keeps its messenger, the graph keeps its nodes, and a
/// strong reference back would keep every graph alive forever (one per call). Messages posted
/// after the graph is gone are dropped.
public struct NodeMessenger: Sendable {
    private let graph: GraphReference
    /// The instance name messages are posted under.
    public let node: String

    init(graph: Graph, node: String) {
        self.graph = GraphReference(graph)
        self.node = node
    }

    /// Delivers `event` to the graph's message handler, as if posted by the node.
    public func post(_ event: MediaEvent) {
        graph.graph?.post(GraphMessage(node: node, event: event))
    }
}

/// A weak reference to a graph that can be sent across threads (the runtime makes weak loads
/// and stores atomic).
private final class GraphReference: @unchecked Sendable {
    weak var graph: Graph?
    init(_ graph: Graph) { self.graph = graph }
}

extension NodeContext {
    /// A handle that posts this node's messages from any thread. Take it in `start`.
    public var messenger: NodeMessenger { NodeMessenger(graph: graph, node: name) }
}
