/// A parameter value as written in a pipeline (`440`, `20ms`, `8kHz`, `-6dB`, `5%`, `"x y"`, `true`).
public enum ParameterValue: Hashable, Sendable, CustomStringConvertible {
    /// An integer without a unit.
    case int(Int)
    /// A number with a fraction and no unit.
    case double(Double)
    /// `true`/`false` (also `yes`/`no`, `on`/`off`).
    case bool(Bool)
    /// A quoted string or a bare word.
    case string(String)
    /// A time: `20ms`, `1.5s`, `250us`, `2min`.
    case duration(Duration)
    /// A frequency in Hz: `440Hz`, `8kHz`.
    case frequency(Double)
    /// A level in decibels: `-6dB`.
    case decibels(Double)
    /// A percentage as a fraction: `5%` is `0.05`.
    case percent(Double)

    /// The value as written back in pipeline syntax.
    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): Self.trim(v)
        case .bool(let v): v ? "true" : "false"
        case .string(let v): v.contains(where: { " \t!#\"=".contains($0) }) || v.isEmpty ? Self.quote(v) : v
        case .duration(let d): Self.describe(d)
        case .frequency(let hz): hz >= 1000 && (hz / 1000).rounded() == hz / 1000 ? "\(Self.trim(hz / 1000))kHz" : "\(Self.trim(hz))Hz"
        case .decibels(let db): "\(Self.trim(db))dB"
        case .percent(let f): "\(Self.trim(f * 100))%"
        }
    }

    /// A numeric reading of the value in its base unit (Hz, seconds, dB, fraction), if numeric.
    public var numericValue: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let v), .frequency(let v), .decibels(let v), .percent(let v): v
        case .duration(let d): d.secondsDouble
        case .bool, .string: nil
        }
    }

    static func trim(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }

    static func describe(_ d: Duration) -> String {
        let seconds = d.secondsDouble
        if seconds == 0 { return "0s" }
        if abs(seconds) >= 1 { return "\(trim(seconds))s" }
        let ms = seconds * 1000
        if ms == ms.rounded() { return "\(trim(ms))ms" }
        return "\(trim((seconds * 1e6).rounded()))us"
    }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement` (Foundation-free).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
