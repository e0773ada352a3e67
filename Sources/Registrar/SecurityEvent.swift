import SIPTransport

/// A security event, logged as one line whatever the log level, in a fixed shape that a
/// fail2ban filter can match (`contrib/fail2ban/filter.d/callwire.conf`). The source address
/// comes first, before anything the peer chose (a user name cannot smuggle in another
/// address), and user names are quoted with control characters and quotes escaped.
///
///     authentication failed from 192.0.2.7:5060 for user 'alice' (REGISTER): wrong password for 'alice'
///     authentication refused from 192.0.2.7:5060 for user 'alice' (REGISTER): source 192.0.2.7 is banned
///     banned source 192.0.2.7 for 300 s after repeated authentication failures
///     rate limit: dropping requests from 192.0.2.7 for 10 s (more than 50 requests per second)
enum SecurityEvent: Sendable, CustomStringConvertible {
    /// Credentials were checked and were wrong (or named an unknown user).
    case failed(user: String, source: SIPDestination, method: String, reason: String)
    /// Credentials were not checked: the source or user is banned.
    case refused(user: String, source: SIPDestination, method: String, banned: String)
    /// A source or user was banned after too many failures.
    case banned(String, seconds: Int)
    /// A source exceeded the request rate.
    case rateLimited(source: String, limit: Int, seconds: Int)

    var description: String {
        switch self {
        case .failed(let user, let source, let method, let reason):
            "authentication failed from \(source.hostPort) for user \(Self.quote(user)) (\(method)): \(Self.clean(reason))"
        case .refused(let user, let source, let method, let banned):
            "authentication refused from \(source.hostPort) for user \(Self.quote(user)) (\(method)): \(Self.clean(banned)) is banned"
        case .banned(let what, let seconds):
            "banned \(Self.clean(what)) for \(seconds) s after repeated authentication failures"
        case .rateLimited(let source, let limit, let seconds):
            "rate limit: dropping requests from \(source) for \(seconds) s (more than \(limit) requests per second)"
        }
    }

    /// `'name'` with quotes, backslashes and control characters escaped.
    static func quote(_ text: String) -> String { "'" + clean(text, quotes: true) + "'" }

    /// `text` on one line: control characters (and, inside quotes, quotes) escaped.
    static func clean(_ text: String, quotes: Bool = false) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            switch scalar {
            case "'" where quotes, "\\" where quotes: out += "\\" + String(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\x" + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
