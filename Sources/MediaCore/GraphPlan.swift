/// A graph with ports assigned and formats negotiated, not yet running.
///
/// `pipeline check` stops here, `pipeline show` draws it, and ``makeGraph(period:)`` turns it
/// into a runnable ``Graph``. Formats downstream of an unbound `@slot` are unknown (`nil`) until
/// the endpoint fills the slot from the negotiated SDP.
public struct GraphPlan {
    /// One node of the plan.
    public struct Node {
        /// The instance name.
        public var name: String
        /// The type name, or the slot name with its `@`.
        public var type: String
        /// Where it was written.
        public var location: SourceLocation?
        /// The node (nil for an unbound slot).
        public var instance: (any MediaNode)?
        /// The type's descriptor (a generic one for an unbound slot).
        public var descriptor: NodeDescriptor
        /// The parameters as validated, with defaults.
        public var parameters: NodeParameters?
        /// Input port names, by index.
        public var inputNames: [String]
        /// Output port names, by index.
        public var outputNames: [String]
        /// Negotiated input formats (nil where unknown).
        public var inputFormats: [MediaFormat?]
        /// Negotiated output formats (nil where unknown).
        public var outputFormats: [MediaFormat?]

        /// Whether this is an unbound `@slot`.
        public var isUnboundSlot: Bool { instance == nil }
    }

    /// One link with its negotiated format.
    public struct Link {
        /// Upstream node index (into ``GraphPlan/nodes``) and output port.
        public var from: (node: Int, port: Int)
        /// Downstream node index and input port.
        public var to: (node: Int, port: Int)
        /// The format the link carries, or nil while unknown.
        public var format: MediaFormat?
        /// Where the link was written.
        public var location: SourceLocation?
    }

    /// Nodes in topological order (every link goes from a lower to a higher index).
    public var nodes: [Node]
    /// Links.
    public var links: [Link]
    /// Warnings found while planning.
    public var warnings: [Diagnostic]

    /// The names of slots left unbound.
    public var unboundSlots: [String] { nodes.filter(\.isUnboundSlot).map(\.type) }

    /// Whether every node exists and every format is known.
    public var isRunnable: Bool {
        nodes.indices.allSatisfy { index in
            let node = nodes[index]
            // An optional input left unlinked has no format; every linked one must have one.
            let inputsKnown = node.inputFormats.indices.allSatisfy { port in
                node.inputFormats[port] != nil || !links.contains { $0.to.node == index && $0.to.port == port }
            }
            return !node.isUnboundSlot && !node.outputFormats.contains(nil) && inputsKnown
        }
    }

    /// Builds the runnable graph.
    /// - Throws: when a slot is unbound.
    public func makeGraph(period: Duration = .milliseconds(20)) throws(GraphBuildError) -> Graph {
        let unbound = nodes.filter(\.isUnboundSlot)
        if !unbound.isEmpty {
            throw GraphBuildError(unbound.map {
                Diagnostic(at: $0.location, "\($0.type) is filled in by a call; `pipeline run` needs a concrete node here")
            })
        }
        guard isRunnable else {
            throw GraphBuildError([Diagnostic(at: nil, "the graph's formats are not fully negotiated")])
        }
        let entries = nodes.map { node in
            (node: node.instance!, info: Graph.NodeInfo(
                name: node.name, type: node.type, location: node.location,
                inputFormats: node.inputFormats.compactMap { $0 }, outputFormats: node.outputFormats.map { $0! }))
        }
        return Graph(nodes: entries, links: links.map { ($0.from, $0.to) }, period: period)
    }
}
