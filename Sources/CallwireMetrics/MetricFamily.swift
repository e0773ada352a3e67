/// One metric family as Prometheus exposes it: a name, its help text, its type, and samples
/// told apart by labels (text exposition format 0.0.4).
public struct MetricFamily: Sendable, Hashable {
    /// The family's type.
    public enum Kind: String, Sendable, Hashable {
        /// Only goes up (its name should end in `_total`).
        case counter
        /// Goes up and down.
        case gauge
        /// Observations counted in buckets: `_bucket{le="…"}` samples (cumulative), `_sum`, `_count`.
        case histogram
    }

    /// One value with its labels.
    public struct Sample: Sendable, Hashable {
        /// Appended to the family's name (a histogram's `_bucket`, `_sum`, `_count`); empty for
        /// counters and gauges.
        public var suffix: String
        /// Label names and values, in order.
        public var labels: [Label]
        /// The value.
        public var value: Double

        /// Creates a sample.
        public init(labels: [Label] = [], value: Double) {
            self.init(suffix: "", labels: labels, value: value)
        }

        /// Creates a sample of a histogram's series (`_bucket`, `_sum`, `_count`).
        public init(suffix: String, labels: [Label] = [], value: Double) {
            self.suffix = suffix
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

    /// A histogram family from per-bucket counts (not cumulative; `bounds` ascending, one count
    /// per bound, observations above the last bound in `overflow`), their sum and `labels`.
    public static func histogram(_ name: String, _ help: String, bounds: [Double], counts: [Int], overflow: Int, sum: Double,
                                 labels: [Label] = []) -> MetricFamily {
        var samples: [Sample] = []
        var cumulative = 0
        for (bound, count) in zip(bounds, counts) {
            cumulative += count
            samples.append(Sample(suffix: "_bucket", labels: labels + [Label("le", PrometheusText.format(bound))], value: Double(cumulative)))
        }
        cumulative += overflow
        samples.append(Sample(suffix: "_bucket", labels: labels + [Label("le", "+Inf")], value: Double(cumulative)))
        samples.append(Sample(suffix: "_sum", labels: labels, value: sum))
        samples.append(Sample(suffix: "_count", labels: labels, value: Double(cumulative)))
        return MetricFamily(name: name, help: help, kind: .histogram, samples: samples)
    }
}
