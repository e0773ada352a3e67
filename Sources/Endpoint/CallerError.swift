/// Why a ``Caller`` could not do its job. Each case has its own exit status, documented in the
/// README's table (the same statuses as every other `callwire` command).
public enum CallerError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A bad option or option value (exit 64).
    case usage(String)
    /// The pipeline has an error, or a device or file it needs is missing (exit 1).
    case media(String)
    /// The target could not be resolved or reached (exit 3).
    case network(String)
    /// The call or message was refused or failed: a final response ≥ 300 (exit 2).
    case rejected(status: Int, reason: String)
    /// The credentials were refused (exit 4).
    case authentication(String)

    /// The process exit status for this error.
    public var exitStatus: Int32 {
        switch self {
        case .usage: 64
        case .media: 1
        case .network: 3
        case .rejected: 2
        case .authentication: 4
        }
    }

    public var description: String {
        switch self {
        case .usage(let text), .media(let text), .network(let text), .authentication(let text): text
        case .rejected(let status, let reason): "the request failed with \(status) \(reason)"
        }
    }

    /// The error for a final failure response to one of our requests.
    static func failure(status: Int, reason: String) -> CallerError {
        switch status {
        case 401, 407: .authentication("authentication failed with \(status) \(reason): check --authuser and --authpass")
        case 408: .network("no answer from the peer (408 \(reason))")
        case 503 where reason.contains("(") || reason.contains("resolve"): .network("cannot reach the peer: \(reason)")
        default: .rejected(status: status, reason: reason)
        }
    }
}
