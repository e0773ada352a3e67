/// The Prometheus text exposition format, version 0.0.4: `# HELP`, `# TYPE`, then one line per
/// sample, `name{label="value",…} value`. Help text escapes `\` and newlines; label values escape
/// `\`, `"` and newlines (the format's rules); names that are not valid are rejected early by
/// ``validate(_:)`` so a scrape never serves text a Prometheus server would refuse.
public enum PrometheusText {
    /// The HTTP content type of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition of `families`, in order.
    public static func encode(_ families: [MetricFamily]) -> String {
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                out += family.name + sample.suffix
                if !sample.labels.isEmpty {
                    out += "{" + sample.labels.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
                }
                out += " " + format(sample.value) + "\n"
            }
        }
        return out
    }

    /// Why `families` cannot be exposed (a bad metric or label name, a name used twice), or nil.
    public static func validate(_ families: [MetricFamily]) -> String? {
        var seen: Set<String> = []
        for family in families {
            guard isMetricName(family.name) else { return "'\(family.name)' is not a metric name" }
            guard seen.insert(family.name).inserted else { return "'\(family.name)' is exposed twice" }
            for sample in family.samples {
                for label in sample.labels where !isLabelName(label.name) {
                    return "'\(label.name)' (in \(family.name)) is not a label name"
                }
            }
        }
        return nil
    }

    /// A sample value as the format writes it (`NaN`, `+Inf`, integers without a fraction).
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeHelp(_ text: String) -> String { escape(text, quotes: false) }

    static func escapeLabel(_ text: String) -> String { escape(text, quotes: true) }

    private static func escape(_ text: String, quotes: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy { isWordByte($0) || $0 == 0x3A }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(0x30...0x39).contains(first), !name.hasPrefix("__") else { return false }
        return name.utf8.allSatisfy(isWordByte)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x5F
    }
}
