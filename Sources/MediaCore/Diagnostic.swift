/// One problem found in a pipeline, printed as `FILE:LINE:COL: error: message`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible, Error {
    /// How serious the problem is.
    public enum Severity: String, Hashable, Sendable {
        case error, warning, note
    }

    /// Where the problem is, when it comes from text.
    public var location: SourceLocation?
    /// Its severity.
    public var severity: Severity
    /// One line that names the node and parameter and says what to do.
    public var message: String

    /// Creates a diagnostic.
    public init(_ severity: Severity = .error, at location: SourceLocation?, _ message: String) {
        self.location = location
        self.severity = severity
        self.message = message
    }

    /// `FILE:LINE:COL: error: message` (or `error: message` without a location).
    public var description: String {
        if let location { return "\(location): \(severity.rawValue): \(message)" }
        return "\(severity.rawValue): \(message)"
    }
}

/// A pipeline that cannot be built: every problem found, in source order.
public struct GraphBuildError: Error, Sendable, CustomStringConvertible {
    /// The problems (at least one has severity `.error`).
    public var diagnostics: [Diagnostic]

    /// Creates an error from diagnostics.
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
