/// The validated parameters of one node instance, with defaults filled in.
///
/// Built from a ``NodeDescriptor`` so that a node's initializer can read every declared parameter
/// without repeating defaults: `parameters.int("rate")`. Reading a parameter the descriptor does
/// not declare is a programming error and traps.
public struct NodeParameters: Sendable, Hashable {
    /// The parameter values by name, defaults included.
    public private(set) var values: [String: ParameterValue]
    /// The names the pipeline set explicitly (the rest are defaults).
    public private(set) var explicitNames: Set<String>
    /// Whether the node may open the hardware it names while it is created (a sound card, to learn
    /// the formats it accepts). False when a pipeline is only checked (`pipeline check` without
    /// `--devices`): the node then accepts what its parameters allow and opens the device in `start`.
    public var probesDevices = true

    /// Validates `given` against `descriptor` and fills in defaults.
    ///
    /// - Throws: ``NodeParameterIssue`` for the first unknown, mistyped or missing parameter.
    public init(for descriptor: NodeDescriptor, _ given: [String: ParameterValue] = [:]) throws(NodeParameterIssue) {
        values = [:]
        explicitNames = Set(given.keys)
        for (name, value) in given {
            guard let spec = descriptor.parameter(named: name) else {
                throw .unknown(name: name, suggestion: Suggestion.closest(to: name, in: descriptor.parameters.map(\.name)))
            }
            do {
                values[name] = try spec.coerce(value)
            } catch {
                throw .invalid(name: name, error)
            }
        }
        for spec in descriptor.parameters where values[spec.name] == nil {
            if let value = spec.defaultValue {
                values[spec.name] = value
            } else if spec.isRequired {
                throw .missing(name: spec.name)
            }
        }
    }

    /// Whether the pipeline set `name` explicitly.
    public func isSet(_ name: String) -> Bool { explicitNames.contains(name) }

    /// The value of `name`, or `nil` for an optional parameter left unset.
    public subscript(_ name: String) -> ParameterValue? { values[name] }

    /// An integer or sample-rate parameter.
    public func int(_ name: String) -> Int {
        guard let value = values[name], let n = value.numericValue else { preconditionFailure("parameter \(name) undeclared") }
        return Int(n)
    }

    /// A numeric parameter in its base unit (Hz, dB, fraction, seconds).
    public func double(_ name: String) -> Double {
        guard let n = values[name]?.numericValue else { preconditionFailure("parameter \(name) undeclared") }
        return n
    }

    /// A duration parameter.
    public func duration(_ name: String) -> Duration {
        guard case .duration(let d)? = values[name] else { preconditionFailure("parameter \(name) undeclared") }
        return d
    }

    /// A boolean parameter.
    public func bool(_ name: String) -> Bool {
        guard case .bool(let b)? = values[name] else { preconditionFailure("parameter \(name) undeclared") }
        return b
    }

    /// A string or choice parameter; `nil` when optional and unset.
    public func string(_ name: String) -> String? {
        guard let value = values[name] else { return nil }
        if case .string(let s) = value { return s }
        return value.description
    }
}

/// What is wrong with a node's parameters.
public enum NodeParameterIssue: Error, Hashable, Sendable {
    /// The node type has no parameter of that name.
    case unknown(name: String, suggestion: String?)
    /// The value does not fit the parameter.
    case invalid(name: String, ParameterError)
    /// A required parameter was not given.
    case missing(name: String)
}
