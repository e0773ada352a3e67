/// An error raised by a node: bad configuration, a format it cannot handle, failed I/O.
///
/// The graph adds the node's name and pipeline location when it reports the error, so a node
/// only says what went wrong: `NodeError.io("cannot open out.wav: Permission denied")`.
public struct NodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The family of an error. Extensible without breaking clients (NIO-style).
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A parameter value or combination the node cannot work with.
        public static let configuration = Kind("configuration")
        /// The node was linked to a format it cannot accept or produce.
        public static let format = Kind("format")
        /// A file, device or socket failed.
        public static let io = Kind("io")
        /// A resource (a sound device, a model) does not exist or is busy.
        public static let unavailable = Kind("unavailable")
        /// Anything else that stops processing.
        public static let runtime = Kind("runtime")
        public var description: String { name }
    }

    /// The kind and message behind one reference. Every hop of the graph is a
    /// `throws(NodeError)` call, and a typed error travels in registers beside the result: as
    /// one word it costs the success path nothing, as two strings it cost four registers of
    /// empty error on every return.
    private final class Storage: Sendable {
        let kind: Kind
        let message: String

        init(kind: Kind, message: String) {
            self.kind = kind
            self.message = message
        }
    }

    private let storage: Storage

    /// The family of the error.
    public var kind: Kind { storage.kind }
    /// One line saying what went wrong and, where possible, what to do.
    public var message: String { storage.message }

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        storage = Storage(kind: kind, message: message)
    }

    public static func == (lhs: NodeError, rhs: NodeError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(message)
    }

    /// A configuration error.
    public static func configuration(_ message: String) -> NodeError { NodeError(.configuration, message) }
    /// A format error.
    public static func format(_ message: String) -> NodeError { NodeError(.format, message) }
    /// An I/O error.
    public static func io(_ message: String) -> NodeError { NodeError(.io, message) }
    /// A missing or busy resource.
    public static func unavailable(_ message: String) -> NodeError { NodeError(.unavailable, message) }
    /// A processing failure.
    public static func runtime(_ message: String) -> NodeError { NodeError(.runtime, message) }

    public var description: String { message }
}

/// A failure while a graph runs, naming the node that failed and where it was written.
public struct GraphRunError: Error, Sendable, CustomStringConvertible {
    /// The instance name of the failing node (`wav-recorder0`, or its `name=`).
    public var node: String
    /// Where the node was written in the pipeline, if it came from text.
    public var location: SourceLocation?
    /// The node's error.
    public var underlying: NodeError

    /// Creates a run error.
    public init(node: String, location: SourceLocation?, underlying: NodeError) {
        self.node = node
        self.location = location
        self.underlying = underlying
    }

    /// `FILE:LINE:COL: error: node: message`.
    public var description: String {
        Diagnostic(at: location, "\(node): \(underlying.message)").description
    }
}
