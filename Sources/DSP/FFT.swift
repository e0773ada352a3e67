#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A radix-2 complex FFT of a fixed size with precomputed twiddles, reusable without
/// allocating (for per-frame analysis in nodes).
public final class FFT {
    /// The transform size (a power of two).
    public let size: Int
    private let cosines: [Double]
    private let sines: [Double]
    private let bitReversed: [Int]

    /// Creates a transform of `size` points; `size` is rounded up to a power of two.
    public init(size: Int) {
        var n = 1
        while n < max(size, 2) { n <<= 1 }
        self.size = n
        cosines = (0..<n / 2).map { cos(-2 * Double.pi * Double($0) / Double(n)) }
        sines = (0..<n / 2).map { sin(-2 * Double.pi * Double($0) / Double(n)) }
        var reversed = [Int](repeating: 0, count: n)
        var bits = 0
        while 1 << bits < n { bits += 1 }
        for i in 0..<n {
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            reversed[i] = r
        }
        bitReversed = reversed
    }

    /// Transforms `real`/`imaginary` (each `size` long) in place.
    public func transform(_ real: UnsafeMutablePointer<Double>, _ imaginary: UnsafeMutablePointer<Double>) {
        for i in 0..<size {
            let j = bitReversed[i]
            if i < j {
                swap(&real[i], &real[j])
                swap(&imaginary[i], &imaginary[j])
            }
        }
        var length = 2
        while length <= size {
            let half = length / 2, step = size / length
            var start = 0
            while start < size {
                for k in 0..<half {
                    let wr = cosines[k * step], wi = sines[k * step]
                    let a = start + k, b = a + half
                    let tr = real[b] * wr - imaginary[b] * wi
                    let ti = real[b] * wi + imaginary[b] * wr
                    real[b] = real[a] - tr
                    imaginary[b] = imaginary[a] - ti
                    real[a] += tr
                    imaginary[a] += ti
                }
                start += length
            }
            length <<= 1
        }
    }

    /// Transforms arrays in place (convenience for tests and tools).
    public func transform(_ real: inout [Double], _ imaginary: inout [Double]) {
        precondition(real.count == size && imaginary.count == size, "FFT size mismatch")
        real.withUnsafeMutableBufferPointer { r in
            imaginary.withUnsafeMutableBufferPointer { i in transform(r.baseAddress!, i.baseAddress!) }
        }
    }
}
