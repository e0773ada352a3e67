#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Doubles the sample rate of a whole signal with a half-band windowed-sinc interpolator.
///
/// The filter is symmetric with `2·halfLength·2 − 1` taps and a cut-off at the input's Nyquist
/// frequency. Being half-band, every second tap except the centre is zero, so the even output
/// samples are the input samples themselves and only the odd ones are computed (polyphase).
/// Images above the old Nyquist frequency are attenuated by ≈ 70 dB (Blackman window).
public struct HalfBandUpsampler: Sendable {
    /// Taps of the odd phase, nearest-first: `taps[k]` weighs input `n − k` and `n + 1 + k`.
    private let taps: [Double]

    /// An interpolator using `halfLength` input samples on each side of every new sample.
    public init(halfLength: Int = 16) {
        let span = Double(2 * halfLength)   // the window's half width, in output samples
        let raw = (0..<halfLength).map { k in
            // The odd-phase tap k sits ±(2k + 1) output samples from the centre.
            let t = Double(2 * k + 1)
            let sinc = sin(Double.pi * t / 2) / (Double.pi * t / 2)
            let window = 0.42 + 0.5 * cos(Double.pi * t / span) + 0.08 * cos(2 * Double.pi * t / span)
            return sinc * window
        }
        // Unity gain at DC: the two sides of the odd phase sum to one.
        let total = 2 * raw.reduce(0, +)
        taps = raw.map { $0 / total }
    }

    /// `input` at twice its rate: `2 · input.count` samples.
    public func upsample(_ input: [Int16]) -> [Int16] {
        let count = input.count
        var output = [Int16](repeating: 0, count: 2 * count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for n in 0..<count {
                    y[2 * n] = x[n]
                    var sum = 0.0
                    for (k, tap) in taps.enumerated() {
                        let before = n - k, after = n + 1 + k
                        let a = before >= 0 ? Double(x[before]) : 0
                        let b = after < count ? Double(x[after]) : 0
                        sum += tap * (a + b)
                    }
                    y[2 * n + 1] = Int16(clamping: Int(sum.rounded()))
                }
            }
        }
        return output
    }
}
