/// The `name=value` list of an `a=fmtp` attribute (RFC 8866 §6.15), as most payload formats
/// write it: `maxplaybackrate=16000; useinbandfec=1` (RFC 7587 §7).
///
/// Names compare case-insensitively; separators may be `;` with or without spaces. A parameter
/// written without `=` has an empty value. Text that is not a list (telephone-event's `0-16`)
/// reads as one parameter with that name.
public struct FormatParameters: Sendable, Hashable, CustomStringConvertible {
    /// The parameters in the order written.
    public private(set) var entries: [(name: String, value: String)]

    /// Parses the text after the payload type of an `a=fmtp` line; `nil` gives an empty list.
    public init(_ text: String?) {
        entries = []
        guard let text else { return }
        for item in text.split(separator: ";") {
            let trimmed = item.trimmingSpaces
            guard !trimmed.isEmpty else { continue }
            if let equals = trimmed.firstIndex(of: "=") {
                entries.append((String(trimmed[..<equals].trimmingSpaces), String(trimmed[trimmed.index(after: equals)...].trimmingSpaces)))
            } else {
                entries.append((String(trimmed), ""))
            }
        }
    }

    /// A list from name/value pairs.
    public init(_ entries: [(name: String, value: String)]) { self.entries = entries }

    /// The value of `name`, if written.
    public subscript(_ name: String) -> String? {
        let key = name.lowercased()
        return entries.first { $0.name.lowercased() == key }?.value
    }

    /// The value of `name` as an integer, if written as one.
    public func int(_ name: String) -> Int? { self[name].flatMap { Int($0) } }

    /// Whether `name` is written as `1` (the RFC 7587 booleans; absent means `0`).
    public func flag(_ name: String) -> Bool { self[name] == "1" }

    /// The attribute text: `name=value;name=value`.
    public var description: String {
        entries.map { $0.value.isEmpty ? $0.name : "\($0.name)=\($0.value)" }.joined(separator: ";")
    }

    public static func == (lhs: FormatParameters, rhs: FormatParameters) -> Bool {
        lhs.entries.map { [$0.name.lowercased(), $0.value] } == rhs.entries.map { [$0.name.lowercased(), $0.value] }
    }

    public func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.name.lowercased())
            hasher.combine(entry.value)
        }
    }
}
