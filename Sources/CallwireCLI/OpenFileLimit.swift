#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open descriptors. Each call holds four (its RTP and RTCP sockets, and
/// the duplicates media is sent on) besides SIP connections and recordings, so the usual soft
/// limit of 1,024 would stop a server or a load test at about 250 calls; the soft limit is
/// raised to the hard one at start-up, as servers do (no privilege is needed for that).
enum OpenFileLimit {
    /// Raises the soft limit to the hard limit; returns the limit in force.
    @discardableResult
    static func raise() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }
}
