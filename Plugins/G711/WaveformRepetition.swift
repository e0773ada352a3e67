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

    /// The audio so far, newest at `end`: frames are decoded (or concealed) straight into it
    /// through ``reserve(_:)``, so keeping history costs nothing per frame. When the room runs
    /// out, the last ``historyLength`` samples move to the front — once every several frames.
    /// It starts with ``historyLength`` samples of silence, so the history is always whole.
    private let history = HistoryStorage(capacity: WaveformRepetition.historyLength + 8 * 160)
    private var end = WaveformRepetition.historyLength
    private var heard = 0
    private var period = 0
    private var phase = 0
    private var lostSamples = 0
    private var repetition: [Int16] = []

    /// Where the next `count` samples go: decode into it, then call ``received(_:count:)`` or
    /// ``conceal(into:count:)`` with the same pointer. Valid until the next call.
    @inline(__always)
    mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Int16> {
        if end &+ count > history.capacity { makeRoom(for: count) }
        return history.pointer + end
    }

    private mutating func makeRoom(for count: Int) {
        if Self.historyLength + count > history.capacity { history.grow(to: Self.historyLength + 8 * count) }
        UnsafeMutableRawPointer(history.pointer).copyMemory(from: history.pointer + (end - Self.historyLength),
                                                            byteCount: Self.historyLength * 2)
        end = Self.historyLength
    }

    /// Whether the last frame handled was concealed.
    var isConcealing: Bool { lostSamples > 0 }

    /// Notes decoded audio (cross-fading it in place after a loss).
    @inline(__always)
    mutating func received(_ samples: UnsafeMutablePointer<Int16>, count: Int) {
        if lostSamples > 0 { resume(samples, count: count) }
        remember(samples, count: count)
    }

    /// The first frame after a loss: cross-fade it with the repetition, then drop the repetition.
    private mutating func resume(_ samples: UnsafeMutablePointer<Int16>, count: Int) {
        if !repetition.isEmpty {
            let length = min(Self.crossFade, count)
            for i in 0..<length {
                let synthetic = Double(nextRepeated()) * level(at: lostSamples + i)
                let weight = Double(i + 1) / Double(length + 1)
                samples[i] = Int16(clamping: Int((Double(samples[i]) * weight + synthetic * (1 - weight)).rounded()))
            }
        }
        lostSamples = 0
        repetition = []
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
        let recent = Array(UnsafeBufferPointer(start: history.pointer + (end - Self.historyLength), count: Self.historyLength))
        period = estimatePeriod(recent)
        repetition = Array(recent[(recent.count - period)...])
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

    /// Accounts for `count` samples written at ``reserve(_:)``'s pointer (`samples`).
    @inline(__always)
    private mutating func remember(_ samples: UnsafeMutablePointer<Int16>, count: Int) {
        assert(samples == history.pointer + end, "decode into the pointer reserve(_:) returned")
        heard &+= count  // counts of samples in memory: far from overflow, so no checks per frame
        end &+= count
    }
}

/// The history buffer, owned by one decoder.
final class HistoryStorage {
    private(set) var pointer: UnsafeMutablePointer<Int16>
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    /// Replaces the buffer with a larger one keeping the contents (frames longer than planned).
    func grow(to newCapacity: Int) {
        let larger = UnsafeMutablePointer<Int16>.allocate(capacity: newCapacity)
        larger.initialize(repeating: 0, count: newCapacity)
        larger.update(from: pointer, count: capacity)
        pointer.deallocate()
        pointer = larger
        capacity = newCapacity
    }

    deinit { pointer.deallocate() }
}
