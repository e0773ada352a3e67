#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Goertzel algorithm: the power of one frequency over a block, cheaper than an FFT when
/// only a few frequencies matter (DTMF detection, tone checks).
public struct Goertzel: Sendable {
    /// The frequency analysed, in Hz.
    public let frequency: Double
    private let coefficient: Double

    /// Prepares a filter for `frequency` at `sampleRate`.
    public init(frequency: Double, sampleRate: Int) {
        self.frequency = frequency
        coefficient = 2 * cos(2 * Double.pi * frequency / Double(sampleRate))
    }

    /// The power of the frequency in `samples`, normalized so that a full-scale sine at exactly
    /// the frequency gives about 0.25.
    public func power(_ samples: UnsafeBufferPointer<Int16>) -> Double {
        var s1 = 0.0, s2 = 0.0
        for sample in samples {
            let s0 = Double(sample) * (1.0 / 32_768) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        let n = Double(max(samples.count, 1))
        return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (n * n)
    }

    /// The power of the frequency in `samples` (array convenience).
    public func power(_ samples: [Int16]) -> Double {
        samples.withUnsafeBufferPointer { power($0) }
    }
}
