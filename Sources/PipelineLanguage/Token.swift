public import MediaCore

/// A lexical token of the pipeline language.
public struct Token: Hashable, Sendable {
    /// What kind of token.
    public enum Kind: Hashable, Sendable {
        /// A node type name: `sine`, `wav-recorder`.
        case word(String)
        /// An `@slot`, without the `@`.
        case slot(String)
        /// A reference to a named node: `t.` (port nil) or `echo.far-end`.
        case reference(name: String, port: String?)
        /// `key=value`.
        case property(key: String, value: ParameterValue, valueLocation: SourceLocation)
        /// `!`, the link operator.
        case link
    }

    /// The token.
    public var kind: Kind
    /// Where the token starts.
    public var location: SourceLocation
}

/// A syntax error, reported as `FILE:LINE:COL: error: …`.
public struct PipelineSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The diagnostic.
    public var diagnostic: Diagnostic

    init(_ location: SourceLocation, _ message: String) {
        diagnostic = Diagnostic(at: location, message)
    }

    public var description: String { diagnostic.description }
}
