/// One input or output port of a node type.
public struct PortSpec: Hashable, Sendable {
    /// Whether the port always exists or is created per link (a tee's outputs, a mixer's inputs).
    public enum Presence: Hashable, Sendable {
        /// The port exists once and must be linked.
        case always
        /// The port exists once and may be left unlinked.
        case optional
        /// Ports are created on demand, one per link, numbered from 0 (`src_0`, `src_1`, …).
        case request
    }

    /// The port's name (`sink`, `src`, `mic`, `far-end`); request ports are named `NAME_N`.
    public var name: String
    /// The formats the port accepts (inputs) or may produce (outputs).
    public var formats: FormatConstraint
    /// Whether the port always exists.
    public var presence: Presence

    /// Declares a port.
    public init(_ name: String, _ formats: FormatConstraint, presence: Presence = .always) {
        self.name = name
        self.formats = formats
        self.presence = presence
    }
}

/// How a node's output format relates to its input format.
public enum FormatRule: Hashable, Sendable {
    /// Every output carries exactly the input format (tee, gain, level meter). The builder looks
    /// through such nodes when it fixes formats that downstream nodes constrain.
    case passthrough
    /// The node decides its outputs in ``MediaNode/negotiate(_:)``.
    case custom
}

/// The role of a node type, for listings.
public enum NodeCategory: String, Hashable, Sendable, CaseIterable {
    case source, sink, filter, codec, analyzer, routing, network

    /// A heading for listings ("sources", "routing").
    public var title: String {
        switch self {
        case .routing, .network: rawValue
        default: rawValue + "s"
        }
    }
}

/// Everything a node type says about itself: name, summary, ports, parameters.
///
/// The descriptor drives validation of pipeline files, `callwire nodes inspect NAME`, and the docs.
///
/// ```
/// NodeDescriptor(
///     name: "gain", category: .filter, summary: "Multiplies the signal by a gain in dB.",
///     inputs: [PortSpec("sink", .anyPCM())], outputs: [PortSpec("src", .anyPCM())],
///     parameters: [ParameterSpec("gain", .decibels, default: .decibels(0), range: -96...48,
///                                doc: "Gain to apply.")],
///     formatRule: .passthrough, examples: ["sine ! gain gain=-6dB ! null-sink"])
/// ```
public struct NodeDescriptor: Hashable, Sendable {
    /// The type name used in pipelines (kebab-case).
    public var name: String
    /// The role of the node.
    public var category: NodeCategory
    /// One sentence saying what the node does.
    public var summary: String
    /// Input ports.
    public var inputs: [PortSpec]
    /// Output ports.
    public var outputs: [PortSpec]
    /// Parameters in the order they are documented.
    public var parameters: [ParameterSpec]
    /// How outputs relate to inputs.
    public var formatRule: FormatRule
    /// Example pipelines using the node.
    public var examples: [String]

    /// Describes a node type.
    public init(name: String, category: NodeCategory, summary: String, inputs: [PortSpec] = [],
                outputs: [PortSpec] = [], parameters: [ParameterSpec] = [],
                formatRule: FormatRule = .custom, examples: [String] = []) {
        self.name = name
        self.category = category
        self.summary = summary
        self.inputs = inputs
        self.outputs = outputs
        self.parameters = parameters
        self.formatRule = formatRule
        self.examples = examples
    }

    /// The declaration of the parameter `name`.
    public func parameter(named name: String) -> ParameterSpec? {
        parameters.first { $0.name == name }
    }

    /// Whether the node takes no input (it is driven by the graph's clock).
    public var isSource: Bool { inputs.isEmpty }
}
