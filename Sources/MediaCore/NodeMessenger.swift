/// Posts a node's messages to the application from any thread.
///
/// Most nodes post from `process` through ``NodeContext/post(_:)``. A node whose results are
/// computed off the graph's executor (a speech recognizer decoding on a worker thread) takes a
/// messenger in `start` and posts through it when the work is done.
public struct NodeMessenger: Sendable {
    private let graph: Graph
    /// The instance name messages are posted under.
    public let node: String

    init(graph: Graph, node: String) {
        self.graph = graph
        self.node = node
    }

    /// Delivers `event` to the graph's message handler, as if posted by the node.
    public func post(_ event: MediaEvent) {
        graph.post(GraphMessage(node: node, event: event))
    }
}

extension NodeContext {
    /// A handle that posts this node's messages from any thread. Take it in `start`.
    public var messenger: NodeMessenger { NodeMessenger(graph: graph, node: name) }
}
