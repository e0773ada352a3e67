#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What paces a graph: tick `n` may run once the clock says it is due.
///
/// One clock drives one graph. A ``RealtimeClock`` waits for absolute deadlines
/// (`start + n·period`, so errors never accumulate); a ``VirtualClock`` never waits, so the same
/// graph runs as fast as the CPU allows in tests, benchmarks and `pipeline run`.
public protocol MediaClock: Sendable {
    /// Blocks until tick `tick` is due. Tick 0 is due at the first call.
    mutating func waitUntilDue(tick: Int64, period: Duration)

    /// Whether the clock runs faster than real time.
    var isVirtual: Bool { get }
}

/// A clock that never waits: the graph runs as fast as the CPU allows.
public struct VirtualClock: MediaClock {
    /// Creates a virtual clock.
    public init() {}

    public mutating func waitUntilDue(tick: Int64, period: Duration) {}

    public var isVirtual: Bool { true }
}

/// A clock that follows the monotonic system clock with absolute deadlines (no drift).
public struct RealtimeClock: MediaClock {
    private var epochNanoseconds: Int64?

    /// Creates a real-time clock; its epoch is the first tick.
    public init() {}

    public var isVirtual: Bool { false }

    public mutating func waitUntilDue(tick: Int64, period: Duration) {
        let now = Self.monotonicNanoseconds()
        guard let epoch = epochNanoseconds else {
            epochNanoseconds = now
            return
        }
        let (seconds, attoseconds) = period.components
        let periodNanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        let deadline = epoch + tick * periodNanos
        guard deadline > now else { return }
        var target = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        #if canImport(Glibc)
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
        #else
        var remaining = timespec(tv_sec: Int((deadline - now) / 1_000_000_000),
                                 tv_nsec: Int((deadline - now) % 1_000_000_000))
        _ = target
        while nanosleep(&remaining, &remaining) == -1 && errno == EINTR {}
        #endif
    }

    /// The monotonic clock in nanoseconds.
    public static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
