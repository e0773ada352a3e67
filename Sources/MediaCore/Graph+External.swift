/// A graph run from outside: stepped by a scheduler that paces many graphs, looked up by node
/// instance, and fed from outside its sources — how a node that hosts a graph of its own (a
/// call's codec bin) runs it.
extension Graph {
    /// Starts every node (sources last, so sinks are ready before media flows) for a graph
    /// whose ticks an outside scheduler paces: `realtime` says whether they follow real time
    /// (a call: sources never wait for data) or run as fast as they can (virtual time).
    public func start(realtime: Bool) throws(GraphRunError) {
        isRealtime = realtime
        try start()
    }

    /// What ran so far, with each node's summary (for a graph stepped from outside).
    public func report(wallTime: Duration, stoppedEarly: Bool) -> GraphRunReport {
        GraphRunReport(mediaDuration: elapsed, wallTime: wallTime, stoppedEarly: stoppedEarly,
                       summaries: nodeInfo.indices.compactMap { i in nodes[i].summary.map { (nodeInfo[i].name, $0) } })
    }

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
