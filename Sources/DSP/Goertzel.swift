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

    /// The mean square of `samples` relative to full scale — on the scale of ``power(_:)``, where
    /// a sine of peak A measures A²/4 and has mean square A²/2, so `2 · power / meanSquare` is
    /// the share of the block's energy at the frequency (tone and DTMF detectors).
    public static func meanSquare(_ samples: UnsafeBufferPointer<Int16>) -> Double {
        var energy = 0.0
        for s in samples { energy += Double(s) * Double(s) }
        return energy / Double(max(samples.count, 1)) / (32_768.0 * 32_768.0)
    }

    /// The power of the frequency in `samples` (array convenience).
    public func power(_ samples: [Int16]) -> Double {
        samples.withUnsafeBufferPointer { power($0) }
    }
}
