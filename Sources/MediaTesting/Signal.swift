public import MediaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A test signal: 16-bit samples at a rate, built by the fixtures below.
///
/// ```
/// let tone = Signal.sine(hz: 1000, duration: .seconds(1), sampleRate: 8000)
/// let key5 = Signal.dtmf("5", duration: .milliseconds(100), sampleRate: 8000)
/// ```
public struct Signal: Sendable, Hashable {
    /// Interleaved samples.
    public var samples: [Int16]
    /// Samples per second per channel.
    public var sampleRate: Int
    /// Channel count.
    public var channels: Int

    /// Wraps samples.
    public init(samples: [Int16], sampleRate: Int, channels: Int = 1) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// The format of the signal.
    public var format: MediaFormat { .pcm(sampleRate: sampleRate, channels: channels, sample: .int16) }

    /// The duration of the signal.
    public var duration: Duration {
        .nanoseconds(Int64(samples.count / max(channels, 1)) * 1_000_000_000 / Int64(sampleRate))
    }

    /// A sine tone; `level` is the peak in dBFS.
    public static func sine(hz: Double, duration: Duration, sampleRate: Int, level: Double = -6,
                            phase: Double = 0) -> Signal {
        let count = duration.samples(atRate: sampleRate)
        let amplitude = 32767 * pow(10, level / 20)
        let omega = 2 * Double.pi * hz / Double(sampleRate)
        return Signal(samples: (0..<count).map { Int16((amplitude * sin(omega * Double($0) + phase)).rounded()) },
                      sampleRate: sampleRate)
    }

    /// Digital silence.
    public static func silence(duration: Duration, sampleRate: Int) -> Signal {
        Signal(samples: [Int16](repeating: 0, count: duration.samples(atRate: sampleRate)), sampleRate: sampleRate)
    }

    /// A linear chirp sweeping from `from` to `to` Hz.
    public static func chirp(from: Double, to: Double, duration: Duration, sampleRate: Int,
                             level: Double = -6) -> Signal {
        let count = duration.samples(atRate: sampleRate)
        let amplitude = 32767 * pow(10, level / 20)
        let seconds = duration.secondsDouble
        let rate = Double(sampleRate)
        return Signal(samples: (0..<count).map { n in
            let t = Double(n) / rate
            let phase = 2 * Double.pi * (from * t + (to - from) * t * t / (2 * seconds))
            return Int16((amplitude * sin(phase)).rounded())
        }, sampleRate: sampleRate)
    }

    /// The ITU-T Q.23 frequency pair of a DTMF key: (row, column) in Hz.
    public static func dtmfFrequencies(_ key: Character) -> (low: Double, high: Double)? {
        let rows: [Double] = [697, 770, 852, 941]
        let columns: [Double] = [1209, 1336, 1477, 1633]
        let layout: [[Character]] = [["1", "2", "3", "A"], ["4", "5", "6", "B"], ["7", "8", "9", "C"], ["*", "0", "#", "D"]]
        let upper = Character(key.uppercased())
        for (r, row) in layout.enumerated() {
            if let c = row.firstIndex(of: upper) { return (rows[r], columns[c]) }
        }
        return nil
    }

    /// A DTMF key: the sum of its two tones, each at `level` dBFS.
    public static func dtmf(_ key: Character, duration: Duration, sampleRate: Int, level: Double = -10) -> Signal {
        guard let (low, high) = dtmfFrequencies(key) else { return silence(duration: duration, sampleRate: sampleRate) }
        let a = sine(hz: low, duration: duration, sampleRate: sampleRate, level: level).samples
        let b = sine(hz: high, duration: duration, sampleRate: sampleRate, level: level).samples
        return Signal(samples: zip(a, b).map { Int16(clamping: Int32($0) + Int32($1)) }, sampleRate: sampleRate)
    }

    /// Deterministic white noise (a fixed-seed xorshift generator) at `level` dBFS RMS.
    public static func noise(duration: Duration, sampleRate: Int, level: Double = -20, seed: UInt64 = 1) -> Signal {
        var state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
        let amplitude = 32767 * pow(10, level / 20) * 3.0.squareRoot()
        let count = duration.samples(atRate: sampleRate)
        return Signal(samples: (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let uniform = Double(state >> 11) / Double(1 << 53) * 2 - 1
            return Int16(clamping: Int((amplitude * uniform).rounded()))
        }, sampleRate: sampleRate)
    }

    /// This signal followed by `other`.
    public func appending(_ other: Signal) -> Signal {
        Signal(samples: samples + other.samples, sampleRate: sampleRate, channels: channels)
    }
}
