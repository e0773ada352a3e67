/// How a frame or an event gets from one node to the next.
///
/// ```
///   NodeContext ──▶ NodeRecord ── direct[port] ──▶ Route ──▶ target.process(frame, port, context)
///   (one pointer)   (per node)    (one per output)          (its own NodeRecord for the context)
/// ```
///
/// Everything here lives in memory the graph allocates once and owns, reached through pointers
/// and `Unmanaged` references borrowed at +0, so a hop does no reference counting and no
/// allocation. An output port with exactly one link — every link of a chain — has a *direct*
/// route: a push reads it and calls the target. Fan-out (`tee`), unlinked ports and profiled
/// runs take ``Graph/deliverSlow(_:from:port:)`` through the full table instead.
extension Graph {
    /// One link as the hot path sees it: the receiving node, its input port and its record (for
    /// the context it is called with), side by side in one object.
    @usableFromInline
    final class Route {
        @usableFromInline let target: any MediaNode
        @usableFromInline let port: Int
        @usableFromInline let record: UnsafePointer<NodeRecord>

        init(target: any MediaNode, port: Int, record: UnsafePointer<NodeRecord>) {
            self.target = target
            self.port = port
            self.record = record
        }

        /// The receiving node's index.
        var node: Int { record.pointee.index }

        /// Records the failure on the graph (cold path, kept out of every hop).
        @usableFromInline @inline(never)
        func fail(_ error: NodeError) {
            record.pointee.graph.takeUnretainedValue().noteFailure(node, error)
        }
    }

    /// The routes leaving one output port: `routes[start..<end]`.
    @usableFromInline
    struct SlotRange {
        @usableFromInline let start: Int
        @usableFromInline let end: Int
    }

    /// Delivers `frame` to one route's target: the whole cost of a hop in a chain.
    @inlinable @inline(__always)
    static func hop(_ frame: Frame, through route: Unmanaged<Route>) throws(NodeError) -> FlowResult {
        let outcome = route._withUnsafeGuaranteedRef { route -> Result<FlowResult, NodeError> in
            do throws(NodeError) {
                return .success(try route.target.process(frame, port: route.port,
                                                         context: NodeContext(record: route.record)))
            } catch {
                route.fail(error)
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Delivers `frame` to every route of output `port` of `node`, with profiling when it is on.
    /// Pushes come here when the port has no direct route.
    @usableFromInline
    func deliverSlow(_ frame: Frame, from node: Int, port: Int) throws(NodeError) -> FlowResult {
        let range = slots[portBase[node] + port]
        var result = FlowResult.notLinked
        for r in range.start..<range.end {
            if profiling { profiler.enter(routes[r].takeUnretainedValue().node) }
            defer { if profiling { profiler.leave() } }
            result = result.combined(with: try Self.hop(frame, through: routes[r]))
        }
        return result
    }

    /// Sets each output port's direct route: its only route when it has exactly one, none when
    /// it fans out, is unlinked, or the graph is profiled (so every hop is timed).
    func setDirectRoutes() {
        for slot in 0..<portBase[nodes.count] {
            let range = slots[slot]
            direct[slot] = !profiling && range.end - range.start == 1 ? routes[range.start] : nil
        }
    }

    func deliver(event: MediaEvent, from node: Int, port: Int) throws(NodeError) {
        let range = slots[portBase[node] + port]
        for r in range.start..<range.end {
            let route = routes[r].takeUnretainedValue()
            if event == .endOfStream { endedInputs[route.node] += 1 }
            if profiling { profiler.enter(route.node) }
            defer { if profiling { profiler.leave() } }
            do {
                try route.target.handle(event, from: .input(route.port), context: NodeContext(record: route.record))
            } catch {
                noteFailure(route.node, error)
                throw error
            }
        }
    }

    @usableFromInline
    func noteFailure(_ node: Int, _ error: NodeError) {
        if failure == nil { failure = (node, error) }
    }
}

/// What a ``NodeContext`` points to: the node's place in its graph.
@usableFromInline
struct NodeRecord {
    /// The graph, borrowed at +0: it outlives every call that is handed a context.
    @usableFromInline let graph: Unmanaged<Graph>
    /// The node's index in the graph's topological order.
    @usableFromInline let index: Int
    /// The direct route of each output port (`nil`: go through ``Graph/deliverSlow(_:from:port:)``).
    @usableFromInline let direct: UnsafeMutablePointer<Unmanaged<Graph.Route>?>
}
