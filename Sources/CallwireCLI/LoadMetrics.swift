import CallwireMetrics

/// `callwire load --metrics`: the test's totals as Prometheus families. Several load
/// generators scraped by one Prometheus server add up with `sum(...)` (README: "Load tests").
enum LoadMetrics {
    /// The families of one snapshot.
    static func families(_ s: LoadTally.Snapshot) -> [MetricFamily] {
        let outcomes = LoadCallResult.Outcome.allNames.map { name in
            MetricFamily.Sample(labels: [.init("outcome", name)], value: Double(s.byOutcome[name] ?? 0))
        }
        let setupCounted = s.setupBuckets.reduce(0, +)
        let mosCounted = s.mosBuckets.reduce(0, +)
        return [
            .single("callwire_load_calls_started_total", .counter, "Calls placed.", Double(s.started)),
            MetricFamily(name: "callwire_load_calls_total", help: "Calls finished, by outcome (passed, failed-check, not-answered, error).",
                         kind: .counter, samples: outcomes),
            .single("callwire_load_calls_answered_total", .counter, "Calls answered (2xx).", Double(s.answered)),
            .single("callwire_load_active_calls", .gauge, "Calls placed and not finished.", Double(s.active)),
            .histogram("callwire_load_setup_seconds", "Setup time, INVITE to 2xx.", bounds: LoadTally.setupBounds,
                       counts: s.setupBuckets, overflow: s.setupSeconds.count - setupCounted, sum: s.setupSum),
            .histogram("callwire_load_mos", "E-model MOS estimate per finished call (ITU-T G.107).", bounds: LoadTally.mosBounds,
                       counts: s.mosBuckets, overflow: s.mos.count - mosCounted, sum: s.mosSum),
            .single("callwire_load_late_frames_total", .counter, "Media ticks that ran more than a period late, summed over finished calls.",
                    Double(s.lateFrames)),
            .single("callwire_load_packets_received_total", .counter, "RTP packets received by finished calls.", Double(s.packetsReceived)),
            .single("callwire_load_packets_lost_total", .counter, "RTP packets lost (RFC 3550 A.3) in finished calls.", Double(s.packetsLost)),
        ]
    }
}

extension LoadCallResult.Outcome {
    /// Every outcome's name, for labels that exist from the first scrape.
    static var allNames: [String] { allCases.map(\.rawValue) }
}
