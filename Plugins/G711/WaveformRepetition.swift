/// Packet-loss concealment for G.711 by pitch waveform repetition, after the method of ITU-T
/// G.711 Appendix I (a simplified form, written for Callwire).
///
/// While audio arrives, the last 48.75 ms (390 samples at 8 kHz) are kept. When a frame is
/// missing, the pitch period is estimated by normalized autocorrelation over the last 20 ms
/// (periods 5–15 ms, 66–200 Hz), and the last period is repeated. The first 10 ms of a loss play
/// at full level, then the level falls linearly by 20% per 10 ms, reaching silence at 60 ms: a
/// long loss fades out instead of buzzing. When audio resumes after a loss, its first 4 ms are
/// cross-faded with the continuation of the repetition, so there is no click.
struct WaveformRepetition {
    static let historyLength = 390
    static let minimumPeriod = 40, maximumPeriod = 120
    static let fullLevel = 80, fadeLength = 400, crossFade = 32

    /// A ring of the last ``historyLength`` samples; `write` is where the next one goes.
    /// Raw storage: this runs on every decoded frame, so no array uniqueness checks.
    private let ring = RingStorage(count: WaveformRepetition.historyLength)
    private var write = 0
    private var heard = 0
    private var period = 0
    private var phase = 0
    private var lostSamples = 0
    private var repetition: [Int16] = []

    /// Whether the last frame handled was concealed.
    var isConcealing: Bool { lostSamples > 0 }

    /// Notes decoded audio (cross-fading it in place after a loss).
    mutating func received(_ samples: UnsafeMutablePointer<Int16>, count: Int) {
        if lostSamples > 0, !repetition.isEmpty {
            let length = min(Self.crossFade, count)
            for i in 0..<length {
                let synthetic = Double(nextRepeated()) * level(at: lostSamples + i)
                let weight = Double(i + 1) / Double(length + 1)
                samples[i] = Int16(clamping: Int((Double(samples[i]) * weight + synthetic * (1 - weight)).rounded()))
            }
        }
        lostSamples = 0
        repetition = []
        remember(samples, count: count)
    }

    /// Writes `count` samples of concealment.
    mutating func conceal(into out: UnsafeMutablePointer<Int16>, count: Int) {
        if lostSamples == 0 { startLoss() }
        for i in 0..<count {
            let value = repetition.isEmpty ? 0 : Double(nextRepeated()) * level(at: lostSamples)
            out[i] = Int16(clamping: Int(value.rounded()))
            lostSamples += 1
        }
        remember(out, count: count)
    }

    private func level(at lost: Int) -> Double {
        guard lost > Self.fullLevel else { return 1 }
        return max(0, 1 - Double(lost - Self.fullLevel) / Double(Self.fadeLength))
    }

    private mutating func nextRepeated() -> Int16 {
        let value = repetition[phase]
        phase = (phase + 1) % repetition.count
        return value
    }

    private mutating func startLoss() {
        repetition = []
        guard heard >= Self.maximumPeriod * 2 else { return }   // too little audio to repeat: silence
        let all = Array(UnsafeBufferPointer(start: ring.pointer, count: Self.historyLength))
        let history = Array(all[write...] + all[..<write])
        period = estimatePeriod(history)
        repetition = Array(history[(history.count - period)...])
        phase = 0
    }

    /// The lag in 40…120 with the highest normalized autocorrelation over the last 160 samples.
    private func estimatePeriod(_ history: [Int16]) -> Int {
        let n = history.count, window = 160
        var best = Self.minimumPeriod, bestScore = -Double.infinity
        for lag in Self.minimumPeriod...Self.maximumPeriod {
            var cross = 0.0, energy = 0.0
            for i in (n - window)..<n {
                let a = Double(history[i]), b = Double(history[i - lag])
                cross += a * b
                energy += b * b
            }
            let score = energy > 0 ? cross / energy.squareRoot() : 0
            if score > bestScore {
                bestScore = score
                best = lag
            }
        }
        return best
    }

    /// Copies the newest samples into the ring (at most two block copies; no allocation).
    private mutating func remember(_ samples: UnsafePointer<Int16>, count: Int) {
        heard += count
        let length = Self.historyLength
        let kept = min(count, length)
        var source = samples + (count - kept)
        var remaining = kept
        while remaining > 0 {
            let chunk = min(remaining, length - write)
            (ring.pointer + write).update(from: source, count: chunk)
            write += chunk
            if write == length { write = 0 }
            source += chunk
            remaining -= chunk
        }
    }
}

/// Fixed storage for the history ring, owned by one decoder.
final class RingStorage {
    let pointer: UnsafeMutablePointer<Int16>
    init(count: Int) {
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: 0, count: count)
    }
    deinit { pointer.deallocate() }
}
