import CallwireMetrics
import Endpoint
import Synchronization

/// `callwire --metrics HOST:PORT`: the caller's calls as Prometheus families, tallied from its
/// events — what the far end of a load test (`callwire --listen --max-calls N`) reports.
///
/// Only counters and fixed histogram buckets are kept, plus the calls under way (at most
/// ``liveLimit``: a call that rings unanswered with `--auto-respond 0` and is never cancelled
/// would otherwise stay) and the codecs of calls whose statistics have not arrived yet (at most
/// ``pendingLimit``): nothing grows with the number of calls handled. A call ends at its
/// `call_ended` event or its `closed` state, whichever comes first.
final class CallerMetrics: Sendable {
    /// Setup-time histogram bounds, seconds (the load tool's).
    static let setupBounds = LoadTally.setupBounds
    /// MOS histogram bounds (the load tool's).
    static let mosBounds = LoadTally.mosBounds
    /// Ended calls waiting for their media statistics, at most.
    static let pendingLimit = 1_024
    /// Calls followed at once, at most (more are counted as started, not timed).
    static let liveLimit = 65_536

    private struct LiveCall {
        var began: ContinuousClock.Instant
        var incoming: Bool
        var answered = false
        var codec = "PCMU/8000"
    }

    private struct State {
        var started: [String: Int] = ["incoming": 0, "outgoing": 0]
        var ended: [String: Int] = ["answered": 0, "not-answered": 0]
        var live: [String: LiveCall] = [:]
        /// Codecs of ended calls whose statistics are still to come, oldest first.
        var pending: [(call: String, codec: String)] = []
        var setupCounts = [Int](repeating: 0, count: CallerMetrics.setupBounds.count)
        var setupCount = 0, setupSum = 0.0
        var mosCounts = [Int](repeating: 0, count: CallerMetrics.mosBounds.count)
        var mosCount = 0, mosSum = 0.0
        var packetsReceived = 0, packetsLost = 0, lateFrames = 0
    }

    private let state = Mutex(State())

    /// Counts what `event` says.
    func observe(_ event: CallerEvent) {
        let now = ContinuousClock.now
        state.withLock { s in
            switch event {
            case .incomingCall(let call, _):
                if s.live.count < Self.liveLimit { s.live[call] = LiveCall(began: now, incoming: true) }
                s.started["incoming", default: 0] += 1
            case .callState(let call, "closed", _):
                Self.end(call, in: &s)
            case .callState(let call, let name, _):
                if s.live[call] == nil, name != "terminating", s.live.count < Self.liveLimit {
                    s.live[call] = LiveCall(began: now, incoming: false)
                    s.started["outgoing", default: 0] += 1
                }
                if name == "active", let live = s.live[call], !live.answered {
                    s.live[call]?.answered = true
                    let seconds = (now - live.began).secondsDouble
                    s.setupCount += 1
                    s.setupSum += seconds
                    if let index = Self.setupBounds.firstIndex(where: { seconds <= $0 }) { s.setupCounts[index] += 1 }
                }
            case .codec(let call, let codec, _, _, _):
                s.live[call]?.codec = codec
            case .callEnded(let call, _):
                Self.end(call, in: &s)
            case .rtpStatistics(let call, let received, let lost, _, let rtt, let late):
                s.packetsReceived += received
                s.packetsLost += lost
                s.lateFrames += late
                let codec = s.live[call]?.codec ?? s.pending.firstIndex { $0.call == call }.map { s.pending.remove(at: $0).codec }
                guard let codec, received > 0 else { break }
                // As `callwire load` estimates it: half the round trip, a packet, the jitter buffer.
                let model = EModel(codec: .named(codec), lossPercent: 100 * Double(lost) / Double(received + lost),
                                   delayMilliseconds: (rtt ?? 0) / 2 + 20 + 60)
                s.mosCount += 1
                s.mosSum += model.mos
                if let index = Self.mosBounds.firstIndex(where: { model.mos <= $0 }) { s.mosCounts[index] += 1 }
            default:
                break
            }
        }
    }

    /// Counts `call` as ended (once: its `callEnded` and `closed` state both say so).
    private static func end(_ call: String, in s: inout State) {
        guard let live = s.live.removeValue(forKey: call) else { return }
        s.ended[live.answered ? "answered" : "not-answered", default: 0] += 1
        if live.answered {
            if s.pending.count >= pendingLimit { s.pending.removeFirst() }
            s.pending.append((call, live.codec))
        }
    }

    /// Ended calls whose statistics are still awaited (at most ``pendingLimit``).
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// The families now.
    var families: [MetricFamily] {
        let s = state.withLock { $0 }
        let started = s.started.sorted { $0.key < $1.key }.map { MetricFamily.Sample(labels: [.init("direction", $0.key)], value: Double($0.value)) }
        let ended = s.ended.sorted { $0.key < $1.key }.map { MetricFamily.Sample(labels: [.init("outcome", $0.key)], value: Double($0.value)) }
        return [
            MetricFamily(name: "callwire_caller_calls_started_total", help: "Calls placed (outgoing) or received (incoming).",
                         kind: .counter, samples: started),
            MetricFamily(name: "callwire_caller_calls_total", help: "Calls ended, by outcome (answered, not-answered).",
                         kind: .counter, samples: ended),
            .single("callwire_caller_active_calls", .gauge, "Calls up or being set up.", Double(s.live.count)),
            .histogram("callwire_caller_setup_seconds", "Setup time: INVITE sent or received to the call being up.",
                       bounds: Self.setupBounds, counts: s.setupCounts, overflow: s.setupCount - s.setupCounts.reduce(0, +), sum: s.setupSum),
            .histogram("callwire_caller_mos", "E-model MOS estimate per ended call with media (ITU-T G.107).",
                       bounds: Self.mosBounds, counts: s.mosCounts, overflow: s.mosCount - s.mosCounts.reduce(0, +), sum: s.mosSum),
            .single("callwire_caller_late_frames_total", .counter, "Media ticks that ran more than a period late, in ended calls.",
                    Double(s.lateFrames)),
            .single("callwire_caller_packets_received_total", .counter, "RTP packets received by ended calls.", Double(s.packetsReceived)),
            .single("callwire_caller_packets_lost_total", .counter, "RTP packets lost (RFC 3550 A.3) in ended calls.", Double(s.packetsLost)),
        ]
    }
}
