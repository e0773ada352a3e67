public import MediaCore

/// A parsed pipeline: chains of elements joined by `!`.
///
/// ```
/// tee name=t  t. ! null-sink      →  chains: [[node tee], [ref t, node null-sink]]
/// ```
public struct PipelineAST: Sendable {
    /// A `key=value` as written.
    public struct Property: Sendable, Hashable {
        /// The parameter name.
        public var key: String
        /// The typed value.
        public var value: ParameterValue
        /// Where the key starts.
        public var location: SourceLocation
        /// Where the value starts.
        public var valueLocation: SourceLocation
    }

    /// One element of a chain.
    public enum Element: Sendable, Hashable {
        /// A node: `type key=value …`.
        case node(type: String, properties: [Property], location: SourceLocation)
        /// An `@slot` with optional properties for the node that will fill it.
        case slot(name: String, properties: [Property], location: SourceLocation)
        /// A reference to a named node: `t.` or `t.src_0`.
        case reference(name: String, port: String?, location: SourceLocation)

        /// Where the element starts.
        public var location: SourceLocation {
            switch self {
            case .node(_, _, let l), .slot(_, _, let l), .reference(_, _, let l): l
            }
        }
    }

    /// A chain: elements, and the location of each `!` between consecutive elements.
    public struct Chain: Sendable, Hashable {
        /// The elements in order.
        public var elements: [Element]
        /// `links[i]` is the `!` between `elements[i]` and `elements[i+1]`.
        public var links: [SourceLocation]
    }

    /// The chains in source order.
    public var chains: [Chain]
    /// The file name used in diagnostics.
    public var file: String
}
