/// A position in a pipeline file or command-line text, for `FILE:LINE:COL` diagnostics.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file name, or `<pipeline>` for inline text.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column (in characters).
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COL`.
    public var description: String { "\(file):\(line):\(column)" }
}
