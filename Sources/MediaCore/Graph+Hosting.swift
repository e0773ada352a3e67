/// Looking nodes up by instance, and feeding a graph from outside its sources: how a node that
/// hosts a graph of its own (a call's codec bin) runs it.
extension Graph {
    /// The instance name of `node` in this graph, or nil when it is not one of its nodes.
    public func name(of node: any MediaNode) -> String? {
        nodes.firstIndex { $0 === node }.map { nodeInfo[$0].name }
    }

    // MARK: - A graph inside a node (a bin)

    /// Pushes `frame` out of output `port` of node `index`, as that node would: how a node
    /// that hosts a graph of its own (a codec bin) feeds it. Called on the graph's executor,
    /// after ``start()``.
    @discardableResult
    public func push(_ frame: Frame, fromNode index: Int, port: Int = 0) throws(NodeError) -> FlowResult {
        try context(index).push(frame, port: port)
    }

    /// Sends `event` out of every output port of node `index` (see ``push(_:fromNode:port:)``).
    public func forward(_ event: MediaEvent, fromNode index: Int) throws(NodeError) {
        try context(index).forward(event)
    }
}
