import Synchronization

/// The running totals of a load test, shared by the calls (which add to it), the status line,
/// the metrics scrape and the summary (which read snapshots). Thread-safe.
///
/// Its size is bounded by the test: counters, a few fixed histograms, a count per final status
/// (SIP has at most 600), one setup time and one MOS per call (`--calls` of each, for exact
/// percentiles), and one small bucket per second of the run (for `--svg`).
final class LoadTally: Sendable {
    /// What happened in one second of the run (for the chart).
    struct Second: Sendable, Equatable {
        /// Calls placed in this second.
        var started = 0
        /// The most calls up at once during it.
        var maxActive = 0
        /// Setup times of the calls answered in it, seconds.
        var setups: [Double] = []
    }

    /// A copy of the totals at one moment.
    struct Snapshot: Sendable {
        var started = 0, answered = 0, finished = 0, passed = 0, failed = 0
        var lateFrames = 0, packetsReceived = 0, packetsLost = 0
        var setupSeconds: [Double] = []
        var mos: [Double] = []
        /// Finished calls by final status (0: no response at all).
        var byStatus: [Int: Int] = [:]
        /// Finished calls by outcome.
        var byOutcome: [String: Int] = [:]
        /// Failed checks by kind.
        var checksFailed: [String: Int] = [:]
        /// Histograms for metrics: counts per upper bound (cumulative when exposed).
        var setupBuckets = [Int](repeating: 0, count: LoadTally.setupBounds.count)
        var mosBuckets = [Int](repeating: 0, count: LoadTally.mosBounds.count)
        /// Second by second, from the start.
        var seconds: [Second] = []

        /// Makes sure second `index` has a bucket (seconds without events carry the calls up) and returns it.
        mutating func second(_ index: Int) -> Int {
            while seconds.count <= index { seconds.append(Second(maxActive: active)) }
            return index
        }

        /// Calls up now (placed and not finished).
        var active: Int { started - finished }
        var setupSum: Double { setupSeconds.reduce(0, +) }
        var mosSum: Double { mos.reduce(0, +) }
        var meanMOS: Double? { mos.isEmpty ? nil : mosSum / Double(mos.count) }
        var lossPercent: Double {
            packetsReceived + packetsLost > 0 ? 100 * Double(packetsLost) / Double(packetsReceived + packetsLost) : 0
        }
    }

    /// Setup-time histogram bounds, seconds.
    static let setupBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// MOS histogram bounds.
    static let mosBounds: [Double] = [1, 2, 3, 3.5, 3.8, 4, 4.1, 4.2, 4.3, 4.4, 4.5]

    private let state = Mutex(Snapshot())
    private let began: ContinuousClock.Instant

    /// A tally for a run that began at `began`.
    init(began: ContinuousClock.Instant = .now) { self.began = began }

    private var secondNow: Int { max(0, Int((ContinuousClock.now - began).components.seconds)) }

    /// A call was placed.
    func started() {
        let index = secondNow
        state.withLock { s in
            s.started += 1
            let i = s.second(index)
            s.seconds[i].started += 1
            s.seconds[i].maxActive = max(s.seconds[i].maxActive, s.active)
        }
    }

    /// A call was answered (counted as it happens, for the status line).
    func answered(setupSeconds: Double) {
        let index = secondNow
        state.withLock { s in
            s.seconds[s.second(index)].setups.append(setupSeconds)
            s.answered += 1
            s.setupSeconds.append(setupSeconds)
            if let index = Self.setupBounds.firstIndex(where: { setupSeconds <= $0 }) { s.setupBuckets[index] += 1 }
        }
    }

    /// A call finished with `result`.
    func finished(_ result: LoadCallResult) {
        let index = secondNow
        state.withLock { s in
            s.finished += 1
            _ = s.second(index)
            if result.outcome == .passed { s.passed += 1 } else { s.failed += 1 }
            s.lateFrames += result.lateFrames
            s.packetsReceived += result.received
            s.packetsLost += result.lost
            s.byStatus[result.status, default: 0] += 1
            s.byOutcome[result.outcome.rawValue, default: 0] += 1
            for check in result.failedChecks { s.checksFailed[check.rawValue, default: 0] += 1 }
            if let mos = result.mos {
                s.mos.append(mos)
                if let index = Self.mosBounds.firstIndex(where: { mos <= $0 }) { s.mosBuckets[index] += 1 }
            }
        }
    }

    /// The totals now.
    var snapshot: Snapshot { state.withLock { $0 } }

    /// The `p`-th percentile (0…100) of `values`, nearest rank; nil when empty.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
