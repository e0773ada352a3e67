/// A position on a media timeline, counted in samples of a clock rate (never wall-clock time).
///
/// Timestamps stay exact integers along a link; comparing positions of different clock rates
/// cross-multiplies instead of rounding.
public struct MediaTime: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The sample index since the start of the stream.
    public var sample: Int64
    /// The clock rate `sample` counts in, in Hz.
    public var clockRate: Int

    /// Creates a position `sample` ticks into a stream of `clockRate` Hz.
    public init(sample: Int64, clockRate: Int) {
        self.sample = sample
        self.clockRate = max(clockRate, 1)
    }

    /// The start of a stream at `clockRate`.
    public static func zero(clockRate: Int) -> MediaTime { MediaTime(sample: 0, clockRate: clockRate) }

    /// The position in seconds.
    public var seconds: Double { Double(sample) / Double(clockRate) }

    /// The position as a `Duration` from the start of the stream.
    public var duration: Duration {
        let whole = sample / Int64(clockRate)
        let rest = sample % Int64(clockRate)
        return .seconds(whole) + .nanoseconds(rest * 1_000_000_000 / Int64(clockRate))
    }

    /// The same position expressed at another clock rate (rounded down to a whole sample).
    public func converted(to rate: Int) -> MediaTime {
        if rate == clockRate { return self }
        return MediaTime(sample: sample * Int64(rate) / Int64(clockRate), clockRate: rate)
    }

    /// This position moved forward by `samples` ticks of its own clock.
    public func advanced(by samples: Int) -> MediaTime {
        MediaTime(sample: sample + Int64(samples), clockRate: clockRate)
    }

    public static func < (lhs: MediaTime, rhs: MediaTime) -> Bool {
        lhs.sample * Int64(rhs.clockRate) < rhs.sample * Int64(lhs.clockRate)
    }

    public static func == (lhs: MediaTime, rhs: MediaTime) -> Bool {
        lhs.sample * Int64(rhs.clockRate) == rhs.sample * Int64(lhs.clockRate)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(seconds) }

    /// `12.345 s` style rendering.
    public var description: String {
        let millis = sample * 1000 / Int64(clockRate)
        let fraction = String(abs(millis % 1000))
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var secondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The number of whole samples this duration spans at `rate` Hz (rounded to nearest).
    public func samples(atRate rate: Int) -> Int {
        let (seconds, attoseconds) = components
        let fractional = (Double(attoseconds) * Double(rate) / 1e18).rounded()
        return Int(seconds) * rate + Int(fractional)
    }
}
