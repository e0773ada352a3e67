/// The node types available to pipelines: an explicit value, passed down (no global registry).
///
/// ```
/// let registry = try NodeRegistry(plugins: [G711Plugin.self, GeneratorsPlugin.self])
/// registry.type(named: "pcmu-encoder")     // PCMUEncoder.self
/// registry.suggestion(for: "pcmu-encoer")  // "pcmu-encoder"
/// ```
public struct NodeRegistry: Sendable {
    private var types: [String: any MediaNode.Type] = [:]
    private var pluginOf: [String: String] = [:]

    /// An empty registry.
    public init() {}

    /// A registry holding every node type of `plugins`.
    /// - Throws: ``RegistryError`` when two types share a name.
    public init(plugins: [any MediaPlugin.Type]) throws(RegistryError) {
        for plugin in plugins {
            for type in plugin.nodeTypes {
                try register(type, plugin: plugin.name)
            }
        }
    }

    /// Adds a node type.
    /// - Throws: ``RegistryError`` when the name is taken.
    public mutating func register(_ type: any MediaNode.Type, plugin: String = "custom") throws(RegistryError) {
        let name = type.descriptor.name
        if let existing = pluginOf[name] {
            throw RegistryError(message: "node type '\(name)' from \(plugin) is already provided by \(existing)")
        }
        types[name] = type
        pluginOf[name] = plugin
    }

    /// The node type called `name`.
    public func type(named name: String) -> (any MediaNode.Type)? { types[name] }

    /// The descriptor of `name`.
    public func descriptor(named name: String) -> NodeDescriptor? { types[name]?.descriptor }

    /// The plugin that provides `name`.
    public func plugin(of name: String) -> String? { pluginOf[name] }

    /// Every node type's descriptor, sorted by name.
    public var descriptors: [NodeDescriptor] {
        types.values.map { $0.descriptor }.sorted { $0.name < $1.name }
    }

    /// A known type name close to `name`, for "did you mean" hints.
    public func suggestion(for name: String) -> String? {
        Suggestion.closest(to: name, in: types.keys.sorted())
    }

    /// Creates a node of type `name` from unvalidated parameters.
    /// - Throws: ``NodeError`` for an unknown type, bad parameters, or a failing initializer.
    public func makeNode(_ name: String, _ parameters: [String: ParameterValue] = [:]) throws(NodeError) -> any MediaNode {
        guard let type = types[name] else {
            let hint = suggestion(for: name).map { " (did you mean '\($0)'?)" } ?? ""
            throw .configuration("unknown node type '\(name)'\(hint)")
        }
        let validated: NodeParameters
        do {
            validated = try NodeParameters(for: type.descriptor, parameters)
        } catch {
            throw .configuration("\(name): \(error.message)")
        }
        return try type.init(parameters: validated)
    }
}

/// Two node types with one name.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    /// What clashed.
    public var message: String
    public var description: String { message }
}

extension NodeParameterIssue {
    /// One line naming the parameter.
    public var message: String {
        switch self {
        case .unknown(let name, let suggestion):
            "unknown parameter '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .invalid(let name, let error):
            "parameter '\(name)': \(error)"
        case .missing(let name):
            "parameter '\(name)' is required"
        }
    }
}
