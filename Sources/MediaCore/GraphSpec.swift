/// A graph as written: node declarations and links, before ports are assigned and formats
/// negotiated. The pipeline language produces one; embedders may build one by hand.
///
/// ```
/// var spec = GraphSpec()
/// let sine = spec.add(.init(type: "sine", parameters: ["freq": .frequency(1000)]))
/// let sink = spec.add(.init(type: "null-sink"))
/// spec.link(sine, to: sink)
/// ```
public struct GraphSpec: Sendable {
    /// One node declaration.
    public struct Node: Sendable {
        /// A registered type name, or a slot name including its `@` (`@encoder`).
        public var type: String
        /// The instance name from `name=`, if given.
        public var name: String?
        /// The parameters as written (validated by the builder against the type's descriptor).
        public var parameters: [String: ParameterValue]
        /// Where the node was written.
        public var location: SourceLocation?
        /// Where each parameter was written.
        public var parameterLocations: [String: SourceLocation]

        /// Declares a node.
        public init(type: String, name: String? = nil, parameters: [String: ParameterValue] = [:],
                    location: SourceLocation? = nil, parameterLocations: [String: SourceLocation] = [:]) {
            self.type = type
            self.name = name
            self.parameters = parameters
            self.location = location
            self.parameterLocations = parameterLocations
        }

        /// Whether this is an `@slot` filled in by the endpoint.
        public var isSlot: Bool { type.hasPrefix("@") }
    }

    /// One end of a link: a node, and optionally a port by name (else the next free port).
    public struct PortRef: Sendable, Hashable {
        /// The node's index in ``GraphSpec/nodes``.
        public var node: Int
        /// The port's name (`src_1`, `far-end`), or `nil` for the next free port.
        public var port: String?

        /// Creates a port reference.
        public init(node: Int, port: String? = nil) {
            self.node = node
            self.port = port
        }
    }

    /// A link from an output port to an input port.
    public struct Link: Sendable {
        /// The upstream end.
        public var from: PortRef
        /// The downstream end.
        public var to: PortRef
        /// Where the `!` was written.
        public var location: SourceLocation?

        /// Creates a link.
        public init(from: PortRef, to: PortRef, location: SourceLocation? = nil) {
            self.from = from
            self.to = to
            self.location = location
        }
    }

    /// Node declarations in source order.
    public var nodes: [Node] = []
    /// Links in source order.
    public var links: [Link] = []

    /// An empty spec.
    public init() {}

    /// Adds a node, returning its index.
    @discardableResult
    public mutating func add(_ node: Node) -> Int {
        nodes.append(node)
        return nodes.count - 1
    }

    /// Links the next free output of `from` to the next free input of `to`.
    public mutating func link(_ from: Int, to: Int, location: SourceLocation? = nil) {
        links.append(Link(from: PortRef(node: from), to: PortRef(node: to), location: location))
    }
}

/// What the endpoint puts in an `@slot` of a pipeline.
public enum SlotBinding {
    /// A node of a registered type (`@encoder` → `pcmu-encoder`).
    case node(type: String, parameters: [String: ParameterValue])
    /// A ready-made node (the RTP session's sender or receiver).
    case instance(any MediaNode)
}
