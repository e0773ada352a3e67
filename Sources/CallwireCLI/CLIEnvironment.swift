public import MediaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a command runs with: the node registry and where text goes.
///
/// Commands never print directly, so tests can run them in-process and read what they wrote.
public struct CLIEnvironment: Sendable {
    /// The node types available to pipelines (the built-in plugins plus any of the embedder's).
    public var registry: NodeRegistry
    /// Writes a line to standard output.
    public var out: @Sendable (String) -> Void
    /// Writes a line to standard error.
    public var err: @Sendable (String) -> Void
    /// Rewrites the current line of a terminal in place (carriage return, erase line, text, no
    /// newline), or nil when standard output is not a terminal: a live status line uses it.
    public var statusLine: (@Sendable (String) -> Void)?

    /// Creates an environment.
    public init(registry: NodeRegistry, out: @escaping @Sendable (String) -> Void,
                err: @escaping @Sendable (String) -> Void) {
        self.registry = registry
        self.out = out
        self.err = err
    }

    /// An environment writing to the process's standard output and error, a line at a time.
    public static func standard(registry: NodeRegistry) -> CLIEnvironment {
        let rewrite: @Sendable (String) -> Void = { writeText("\r\u{1B}[K" + $0, to: 1) }
        return CLIEnvironment(registry: registry,
                              out: { writeLine($0, to: 1) },
                              err: { writeLine($0, to: 2) },
                              statusLine: isatty(1) == 1 ? rewrite : nil)
    }

    /// Creates an environment whose status lines go to `statusLine` (a terminal's).
    public init(registry: NodeRegistry, out: @escaping @Sendable (String) -> Void,
                err: @escaping @Sendable (String) -> Void, statusLine: (@Sendable (String) -> Void)?) {
        self.init(registry: registry, out: out, err: err)
        self.statusLine = statusLine
    }
}

/// Writes `line` and a newline to a file descriptor with `write(2)`, unbuffered, so output
/// interleaves correctly with child processes and survives a crash right after it.
func writeLine(_ line: String, to descriptor: Int32) {
    writeText(line + "\n", to: descriptor)
}

/// Writes `text` as it is (no newline added) with `write(2)`.
func writeText(_ text: String, to descriptor: Int32) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
}

/// Exit statuses of `callwire` (documented in the README).
public enum ExitStatus {
    /// The requested job succeeded.
    public static let success: Int32 = 0
    /// A pipeline is invalid, or media processing failed (a file, a device, a node).
    public static let mediaError: Int32 = 1
    /// A call or request was rejected or failed (a final response ≥ 300, no answer).
    public static let callFailed: Int32 = 2
    /// The network or DNS failed (cannot bind, cannot resolve, unreachable).
    public static let networkError: Int32 = 3
    /// Authentication failed (credentials refused or missing).
    public static let authenticationFailed: Int32 = 4
    /// The command line is wrong (unknown option, bad value) — `EX_USAGE`.
    public static let usage: Int32 = 64
}

/// An error a command reports as one line and an exit status.
public struct CommandFailure: Error, CustomStringConvertible {
    /// Lines to print on standard error (each already formatted, e.g. `x:1:2: error: …`).
    public var lines: [String]
    /// The exit status.
    public var status: Int32

    /// Creates a failure.
    public init(_ lines: [String], status: Int32 = ExitStatus.mediaError) {
        self.lines = lines
        self.status = status
    }

    /// A failure with one `error: message` line.
    public static func error(_ message: String, status: Int32 = ExitStatus.mediaError) -> CommandFailure {
        CommandFailure(["error: " + message], status: status)
    }

    public var description: String { lines.joined(separator: "\n") }
}
