/// The declaration of one node parameter: name, type, default, range and documentation.
///
/// One declaration drives pipeline validation (with `FILE:LINE:COL` errors),
/// `callwire nodes inspect` and the documentation.
public struct ParameterSpec: Hashable, Sendable {
    /// What values a parameter takes, and in which unit its range is expressed.
    public enum Kind: Hashable, Sendable {
        /// An integer.
        case int
        /// A real number.
        case double
        /// `true`/`false`.
        case bool
        /// Free text (file names, device names, text to speak).
        case string
        /// One of a fixed set of words.
        case choice([String])
        /// A time; written with a unit (`20ms`, `10s`). Range in seconds.
        case duration
        /// A frequency in Hz (`440`, `440Hz`, `1.2kHz`). Range in Hz.
        case frequency
        /// A sample rate in whole Hz (`8000`, `8kHz`, `44.1kHz`). Range in Hz.
        case sampleRate
        /// A level in dB (`-6dB`, or a bare number). Range in dB.
        case decibels
        /// A fraction written as a percentage (`5%`). Range as a fraction (0…1).
        case percent
    }

    /// The parameter's name, as written in pipelines (`kebab-case`).
    public var name: String
    /// The kind of value.
    public var kind: Kind
    /// The value used when the pipeline does not set one; `nil` for optional parameters.
    public var defaultValue: ParameterValue?
    /// The allowed numeric range in the kind's base unit.
    public var range: ClosedRange<Double>?
    /// One sentence saying what the parameter does.
    public var doc: String
    /// Whether the pipeline must set the parameter.
    public var isRequired: Bool

    /// Declares a parameter.
    public init(_ name: String, _ kind: Kind, default defaultValue: ParameterValue? = nil,
                range: ClosedRange<Double>? = nil, required: Bool = false, doc: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.range = range
        self.doc = doc
        self.isRequired = required
    }

    /// A human name of the kind, for help and errors.
    public var kindName: String {
        switch kind {
        case .int: "integer"
        case .double: "number"
        case .bool: "boolean"
        case .string: "string"
        case .choice(let words): words.joined(separator: "|")
        case .duration: "duration"
        case .frequency: "frequency"
        case .sampleRate: "sample rate"
        case .decibels: "level (dB)"
        case .percent: "percentage"
        }
    }

    /// The range written with the kind's unit, e.g. `0.1s…10s` or `1Hz…20kHz`.
    public var rangeDescription: String? {
        guard let range else { return nil }
        return "\(render(range.lowerBound))…\(render(range.upperBound))"
    }

    func render(_ value: Double) -> String {
        switch kind {
        case .duration: ParameterValue.duration(.nanoseconds(Int64((value * 1e9).rounded()))).description
        case .frequency, .sampleRate: ParameterValue.frequency(value).description
        case .decibels: ParameterValue.decibels(value).description
        case .percent: ParameterValue.percent(value).description
        default: ParameterValue.trim(value)
        }
    }

    /// Converts a written value to this parameter's kind, checking its range.
    ///
    /// - Returns: the normalized value (`.int` for sample rates, `.duration` for times, …).
    /// - Throws: a message saying what was expected, suitable after "`name`: ".
    public func coerce(_ value: ParameterValue) throws(ParameterError) -> ParameterValue {
        let normalized: ParameterValue
        switch (kind, value) {
        case (.int, .int): normalized = value
        case (.int, .double(let v)) where v == v.rounded(): normalized = .int(Int(v))
        case (.double, .int(let v)): normalized = .double(Double(v))
        case (.double, .double), (.double, .percent), (.double, .decibels): normalized = .double(value.numericValue!)
        case (.bool, .bool): normalized = value
        case (.bool, .int(let v)) where v == 0 || v == 1: normalized = .bool(v == 1)
        case (.string, .string): normalized = value
        case (.string, _): normalized = .string(value.description)
        case (.choice(let words), .string(let word)):
            guard let match = words.first(where: { $0.lowercased() == word.lowercased() }) else {
                throw ParameterError(expected: "one of \(words.joined(separator: ", "))", got: value,
                                     suggestion: Suggestion.closest(to: word, in: words))
            }
            normalized = .string(match)
        case (.choice(let words), .int(let n)) where words.contains(String(n)): normalized = .string(String(n))
        case (.choice(let words), .bool(let flag)):
            // The lexer reads on/off, yes/no and true/false as booleans; a choice may spell them.
            let synonyms = flag ? ["on", "yes", "true"] : ["off", "no", "false"]
            guard let match = words.first(where: { synonyms.contains($0.lowercased()) }) else {
                throw ParameterError(expected: "one of \(words.joined(separator: ", "))", got: value, suggestion: nil)
            }
            normalized = .string(match)
        case (.duration, .duration): normalized = value
        case (.duration, .int(0)), (.duration, .double(0)): normalized = .duration(.zero)
        case (.duration, .int(let n)):
            throw ParameterError(expected: "a duration with a unit", got: value, suggestion: "\(n)s or \(n)ms")
        case (.frequency, .frequency): normalized = value
        case (.frequency, .int(let v)): normalized = .frequency(Double(v))
        case (.frequency, .double(let v)): normalized = .frequency(v)
        case (.sampleRate, .int): normalized = value
        case (.sampleRate, .frequency(let hz)) where hz == hz.rounded(): normalized = .int(Int(hz))
        case (.decibels, .decibels): normalized = value
        case (.decibels, .int(let v)): normalized = .decibels(Double(v))
        case (.decibels, .double(let v)): normalized = .decibels(v)
        case (.percent, .percent): normalized = value
        case (.percent, .int(0)), (.percent, .double(0)): normalized = .percent(0)
        case (.choice(let words), _):
            throw ParameterError(expected: "one of \(words.joined(separator: ", "))", got: value, suggestion: nil)
        default:
            throw ParameterError(expected: "a \(kindName)", got: value, suggestion: nil)
        }
        if let range, let number = normalized.numericValue, !range.contains(number) {
            throw ParameterError(expected: "a value in \(rangeDescription!)", got: value, suggestion: nil)
        }
        return normalized
    }
}

/// Why a written value does not fit a parameter.
public struct ParameterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What the parameter takes (`a duration with a unit`, `a value in 1Hz…20kHz`).
    public var expected: String
    /// The value that was written.
    public var got: ParameterValue
    /// A corrected spelling, if one is likely.
    public var suggestion: String?

    public var description: String {
        var text = "expected \(expected), got \(got)"
        if let suggestion { text += " (did you mean \(suggestion)?)" }
        return text
    }
}
