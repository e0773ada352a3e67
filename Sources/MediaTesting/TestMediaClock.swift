import MediaCore

/// A clock that moves only when a test says so (like `EmbeddedEventLoop.advanceTime(by:)`).
///
/// A ``NodeHarness`` runs one graph tick per period the clock is advanced by, so a test of a
/// source node says "40 ms pass" and gets exactly two 20 ms frames, with no sleeping.
public final class TestMediaClock: @unchecked Sendable {
    /// Media time elapsed since the clock started.
    public private(set) var elapsed: Duration = .zero
    private var handlers: [(Duration) -> Void] = []

    /// Creates a clock at zero.
    public init() {}

    /// Moves the clock forward, running the ticks that fall due.
    public func advance(by duration: Duration) {
        elapsed += duration
        for handler in handlers { handler(elapsed) }
    }

    func onAdvance(_ handler: @escaping (Duration) -> Void) { handlers.append(handler) }
}
