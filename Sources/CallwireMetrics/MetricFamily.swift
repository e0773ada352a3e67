/// One metric family as Prometheus exposes it: a name, its help text, its type, and samples
/// told apart by labels (text exposition format 0.0.4).
public struct MetricFamily: Sendable, Hashable {
    /// The family's type.
    public enum Kind: String, Sendable, Hashable {
        /// Only goes up (its name should end in `_total`).
        case counter
        /// Goes up and down.
        case gauge
    }

    /// One value with its labels.
    public struct Sample: Sendable, Hashable {
        /// Label names and values, in order.
        public var labels: [Label]
        /// The value.
        public var value: Double

        /// Creates a sample.
        public init(labels: [Label] = [], value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    /// A label name and value.
    public struct Label: Sendable, Hashable {
        /// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
        public var name: String
        /// Any text.
        public var value: String

        /// Creates a label.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public var name: String
    /// One line of help.
    public var help: String
    /// Counter or gauge.
    public var kind: Kind
    /// The samples.
    public var samples: [Sample]

    /// Creates a family.
    public init(name: String, help: String, kind: Kind, samples: [Sample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    /// A family with one unlabelled sample.
    public static func single(_ name: String, _ kind: Kind, _ help: String, _ value: Double) -> MetricFamily {
        MetricFamily(name: name, help: help, kind: kind, samples: [Sample(value: value)])
    }
}
