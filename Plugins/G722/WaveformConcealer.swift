/// Packet loss concealment by pitch waveform repetition, in the manner of ITU-T G.711
/// Appendix I, for a decoder without concealment of its own (spandsp's G.722 has none).
///
/// The last 40 ms of output are kept. When audio goes missing, the pitch period is found by
/// normalized autocorrelation over the last 20 ms (periods 2.5–15 ms, 66–400 Hz) and the last
/// period is repeated: at full level for 10 ms, then fading linearly to silence over 50 ms, so a
/// long loss goes quiet instead of buzzing. The first 4 ms after a loss are cross-faded with the
/// repetition's continuation, so there is no click.
struct WaveformConcealer {
    private let historyLength: Int, minimumPeriod: Int, maximumPeriod: Int
    private let fullLevel: Int, fadeLength: Int, crossFade: Int
    /// The last `historyLength` samples output, oldest first.
    private var history: [Int16]
    private var heard = 0
    private var repetition: [Int16] = []
    private var phase = 0
    /// Samples concealed since the loss began (0: not concealing).
    private var lost = 0

    /// A concealer for audio at `sampleRate`.
    init(sampleRate: Int) {
        historyLength = sampleRate * 40 / 1_000
        minimumPeriod = sampleRate / 400
        maximumPeriod = sampleRate * 15 / 1_000
        fullLevel = sampleRate / 100
        fadeLength = sampleRate / 20
        crossFade = sampleRate / 250
        history = Array(repeating: 0, count: historyLength)
    }

    /// Notes decoded audio, cross-fading its start in place when it ends a loss.
    mutating func received(_ samples: UnsafeMutablePointer<Int16>, count: Int) {
        if lost > 0 {
            if !repetition.isEmpty {
                let length = min(crossFade, count)
                for i in 0..<length {
                    let synthetic = Double(nextRepeated()) * level(lost + i)
                    let weight = Double(i + 1) / Double(length + 1)
                    samples[i] = Int16(clamping: Int((Double(samples[i]) * weight + synthetic * (1 - weight)).rounded()))
                }
            }
            lost = 0
            repetition = []
        }
        remember(samples, count: count)
    }

    /// Writes `count` samples of concealment to `out`.
    mutating func conceal(into out: UnsafeMutablePointer<Int16>, count: Int) {
        if lost == 0 { startLoss() }
        for i in 0..<count {
            let value = repetition.isEmpty ? 0 : Double(nextRepeated()) * level(lost)
            out[i] = Int16(clamping: Int(value.rounded()))
            lost += 1
        }
        remember(out, count: count)
    }

    private func level(_ lostSamples: Int) -> Double {
        lostSamples <= fullLevel ? 1 : max(0, 1 - Double(lostSamples - fullLevel) / Double(fadeLength))
    }

    private mutating func nextRepeated() -> Int16 {
        let value = repetition[phase]
        phase = (phase + 1) % repetition.count
        return value
    }

    private mutating func startLoss() {
        repetition = []
        phase = 0
        guard heard >= historyLength else { return }   // too little audio to repeat: silence
        let period = estimatePeriod()
        repetition = Array(history[(historyLength - period)...])
    }

    /// The lag with the highest normalized autocorrelation over the last 20 ms.
    private func estimatePeriod() -> Int {
        let window = historyLength / 2
        var best = minimumPeriod, bestScore = -Double.infinity
        for lag in minimumPeriod...min(maximumPeriod, historyLength - window) {
            var cross = 0.0, energy = 0.0
            for i in (historyLength - window)..<historyLength {
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

    private mutating func remember(_ samples: UnsafePointer<Int16>, count: Int) {
        heard += count
        let keep = min(count, historyLength)
        history.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            if keep < historyLength {
                base.update(from: base + keep, count: historyLength - keep)
            }
            (base + historyLength - keep).update(from: samples + count - keep, count: keep)
        }
    }

    private mutating func remember(_ samples: UnsafeMutablePointer<Int16>, count: Int) {
        remember(UnsafePointer(samples), count: count)
    }
}
