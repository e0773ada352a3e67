#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A second-order IIR filter (RBJ cookbook coefficients), direct form II transposed.
public struct Biquad: Sendable {
    private var b0, b1, b2, a1, a2: Double
    private var z1 = 0.0, z2 = 0.0

    /// A high-pass filter at `cutoff` Hz with quality factor `q` (0.7071 = Butterworth).
    public static func highPass(cutoff: Double, sampleRate: Int, q: Double = 0.7071) -> Biquad {
        let w = 2 * Double.pi * cutoff / Double(sampleRate)
        let alpha = sin(w) / (2 * q), c = cos(w)
        let a0 = 1 + alpha
        return Biquad(b0: (1 + c) / 2 / a0, b1: -(1 + c) / a0, b2: (1 + c) / 2 / a0, a1: -2 * c / a0, a2: (1 - alpha) / a0)
    }

    /// A low-pass filter at `cutoff` Hz.
    public static func lowPass(cutoff: Double, sampleRate: Int, q: Double = 0.7071) -> Biquad {
        let w = 2 * Double.pi * cutoff / Double(sampleRate)
        let alpha = sin(w) / (2 * q), c = cos(w)
        let a0 = 1 + alpha
        return Biquad(b0: (1 - c) / 2 / a0, b1: (1 - c) / a0, b2: (1 - c) / 2 / a0, a1: -2 * c / a0, a2: (1 - alpha) / a0)
    }

    private init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0
        self.b1 = b1
        self.b2 = b2
        self.a1 = a1
        self.a2 = a2
    }

    /// Filters one sample.
    @inline(__always)
    public mutating func process(_ x: Double) -> Double {
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }
}

/// A deterministic xorshift64 noise source (repeatable: tests and band extension use fixed seeds).
public struct NoiseSource: Sendable {
    private var state: UInt64

    /// Creates a generator; the seed must not be 0.
    public init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    /// A uniform value in [-1, 1).
    @inline(__always)
    public mutating func next() -> Double {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
}

/// Levels.
public enum Level {
    /// RMS of 16-bit samples in dBFS (-120 for silence).
    public static func rmsDBFS(_ samples: UnsafeBufferPointer<Int16>) -> Double {
        guard !samples.isEmpty else { return -120 }
        var sum = 0.0
        for s in samples { sum += Double(s) * Double(s) }
        let rms = (sum / Double(samples.count)).squareRoot()
        return rms <= 0 ? -120 : 20 * log10(rms / 32_768)
    }
}
