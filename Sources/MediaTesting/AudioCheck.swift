import DSP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Property checks on audio: levels, signal-to-noise ratio, frequency content.
///
/// Tests assert properties of what a graph produced (a 1 kHz tone is still 1 kHz, the SNR
/// after G.711 is ≥ 35 dB) rather than byte hashes, which break on harmless changes.
public enum AudioCheck {
    /// Root-mean-square amplitude in 16-bit units.
    public static func rms(_ samples: some Collection<Int16>) -> Double {
        guard !samples.isEmpty else { return 0 }
        var sum = 0.0
        for s in samples { sum += Double(s) * Double(s) }
        return (sum / Double(samples.count)).squareRoot()
    }

    /// RMS level in dBFS (full-scale square wave = 0 dBFS; silence = -120).
    public static func rmsDBFS(_ samples: some Collection<Int16>) -> Double {
        let value = rms(samples)
        return value <= 0 ? -120 : 20 * log10(value / 32_768)
    }

    /// Peak absolute sample.
    public static func peak(_ samples: some Collection<Int16>) -> Int {
        samples.reduce(0) { max($0, abs(Int($1))) }
    }

    /// Signal-to-noise ratio in dB of `test` against `reference`, over their common length,
    /// after shifting `test` by the lag in `-maxLag...maxLag` that fits best.
    public static func snr(reference: [Int16], test: [Int16], maxLag: Int = 0) -> Double {
        var best = -Double.infinity
        for lag in -maxLag...maxLag {
            var signal = 0.0, noise = 0.0
            let start = max(0, -lag), end = min(reference.count, test.count - lag)
            guard end > start else { continue }
            for i in start..<end {
                let r = Double(reference[i]), t = Double(test[i + lag])
                signal += r * r
                noise += (r - t) * (r - t)
            }
            let value = noise == 0 ? Double.infinity : 10 * log10(signal / noise)
            best = max(best, value)
        }
        return best
    }

    /// Segmental SNR in dB: the mean of per-segment SNRs (each clamped to -10…35 dB), skipping
    /// silent reference segments. Closer to perceived quality than plain SNR for speech codecs.
    public static func segmentalSNR(reference: [Int16], test: [Int16], segment: Int = 160) -> Double {
        var total = 0.0, segments = 0
        var start = 0
        while start + segment <= min(reference.count, test.count) {
            var signal = 0.0, noise = 0.0
            for i in start..<start + segment {
                let r = Double(reference[i]), t = Double(test[i])
                signal += r * r
                noise += (r - t) * (r - t)
            }
            if signal / Double(segment) > 100 {
                let value = noise == 0 ? 35 : 10 * log10(signal / noise)
                total += min(max(value, -10), 35)
                segments += 1
            }
            start += segment
        }
        return segments == 0 ? 0 : total / Double(segments)
    }

    /// The lag (in samples, `test` relative to `reference`) in `0...maxLag` that best aligns two
    /// signals, by cross-correlation: codecs with look-ahead delay their output.
    public static func bestLag(reference: [Int16], test: [Int16], maxLag: Int) -> Int {
        var best = 0, bestScore = -Double.infinity
        let n = min(reference.count, test.count) - maxLag
        guard n > 0 else { return 0 }
        for lag in 0...maxLag {
            var score = 0.0
            var i = 0
            while i < n {
                score += Double(reference[i]) * Double(test[i + lag])
                i += 2
            }
            if score > bestScore {
                bestScore = score
                best = lag
            }
        }
        return best
    }

    /// Power of one frequency by the Goertzel algorithm, normalized so a full-scale sine at
    /// exactly `frequency` gives about 0.25 per sample².
    public static func goertzel(_ samples: some Collection<Int16>, sampleRate: Int, frequency: Double) -> Double {
        Goertzel(frequency: frequency, sampleRate: sampleRate).power(Array(samples))
    }

    /// The strongest frequency in Hz, from a Hann-windowed FFT over up to 65,536 samples with
    /// parabolic interpolation between bins (accurate to well under 1 Hz for steady tones).
    public static func dominantFrequency(_ samples: [Int16], sampleRate: Int) -> Double {
        var size = 1
        while size * 2 <= min(samples.count, 65_536) { size *= 2 }
        guard size >= 64 else { return 0 }
        let offset = (samples.count - size) / 2
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        for i in 0..<size {
            let window = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(size - 1))
            re[i] = Double(samples[offset + i]) * window
        }
        FFT(size: size).transform(&re, &im)
        var bestBin = 1, bestPower = 0.0
        var power = [Double](repeating: 0, count: size / 2)
        for bin in 1..<size / 2 {
            power[bin] = re[bin] * re[bin] + im[bin] * im[bin]
            if power[bin] > bestPower {
                bestPower = power[bin]
                bestBin = bin
            }
        }
        var shift = 0.0
        if bestBin > 1, bestBin < size / 2 - 1 {
            let a = log(power[bestBin - 1] + 1e-12), b = log(power[bestBin] + 1e-12), c = log(power[bestBin + 1] + 1e-12)
            let denominator = a - 2 * b + c
            if denominator != 0 { shift = 0.5 * (a - c) / denominator }
        }
        return (Double(bestBin) + shift) * Double(sampleRate) / Double(size)
    }
}
