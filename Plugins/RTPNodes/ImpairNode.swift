public import MediaCore

/// `impair`: a network in a node — seeded random and burst loss, delay jitter, reordering and
/// duplication of packets (any frames), for tests and benchmarks. The kernel here has no netem.
///
/// Loss follows a two-state Gilbert model: with `burst=1` losses are independent; with a larger
/// mean burst length the same average `loss` comes in runs. Each kept packet is delayed by a
/// uniform random `0…jitter` (whole ticks: packets are released at tick boundaries), so packets
/// overtake each other when their delays differ by more than their spacing; `reorder` also swaps
/// a packet with the next one outright. Everything is drawn from one generator seeded by `seed`,
/// so a run repeats exactly.
public final class ImpairNode: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "impair", category: .network,
        summary: "Loses, delays, reorders and duplicates packets (seeded), like a bad network.",
        inputs: [PortSpec("sink", .any)],
        outputs: [PortSpec("src", .any)],
        parameters: [
            ParameterSpec("loss", .percent, default: .percent(0), range: 0...1, doc: "Average share of packets lost."),
            ParameterSpec("burst", .double, default: .double(1), range: 1...100,
                          doc: "Mean length of a loss burst in packets (1 = independent losses)."),
            ParameterSpec("jitter", .duration, default: .duration(.zero), range: 0...5,
                          doc: "Extra delay drawn uniformly from 0 to this, per packet."),
            ParameterSpec("reorder", .percent, default: .percent(0), range: 0...1,
                          doc: "Share of packets swapped with the packet after them."),
            ParameterSpec("duplicate", .percent, default: .percent(0), range: 0...1, doc: "Share of packets sent twice."),
            ParameterSpec("seed", .int, default: .int(1), range: 1...2_147_483_647, doc: "Random seed; the same seed repeats the run."),
        ],
        formatRule: .passthrough,
        examples: ["… ! rtp-sender ! impair loss=5% jitter=40ms seed=1 ! rtp-receiver ! …",
                   "… ! impair loss=10% burst=3 ! …"])

    private let loss: Double, burst: Double, jitter: Duration, reorder: Double, duplicate: Double
    private var random: SplitMix64
    private var inBurst = false
    private var held: [(release: Int64, order: Int, frame: OwnedFrame)] = []
    private var swapped: OwnedFrame?
    private var order = 0
    private var inputEnded = false
    private var counts = (passed: 0, lost: 0, duplicated: 0, reordered: 0)

    public init(parameters: NodeParameters) {
        loss = parameters.double("loss")   // percentages arrive as fractions: 5% is 0.05
        burst = parameters.double("burst")
        jitter = parameters.duration("jitter")
        reorder = parameters.double("reorder")
        duplicate = parameters.double("duplicate")
        random = SplitMix64(seed: UInt64(parameters.int("seed")))
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        if isLost() {
            counts.lost += 1
            return .ok
        }
        var copies = [frame.copy()]
        if duplicate > 0, random.nextDouble() < duplicate {
            copies.append(frame.copy())
            counts.duplicated += 1
        }
        for copy in copies {
            if reorder > 0, swapped == nil, random.nextDouble() < reorder {
                swapped = copy   // sent after the next packet
                counts.reordered += 1
                continue
            }
            hold(copy, context: context)
            if let late = swapped, late.timestamp != copy.timestamp {
                swapped = nil
                hold(late, context: context)
            }
        }
        return .ok
    }

    private func isLost() -> Bool {
        guard loss > 0 else { return false }
        // Gilbert model: leave a burst with probability 1/burst; enter one with the probability
        // that gives the average loss: p = loss · r / (1 − loss).
        let leave = 1 / burst
        let enter = min(1, loss * leave / max(1 - loss, 1e-9))
        inBurst = inBurst ? random.nextDouble() >= leave : random.nextDouble() < enter
        return inBurst
    }

    private func hold(_ frame: OwnedFrame, context: NodeContext) {
        let ticks = jitter > .zero ? Int64((random.nextDouble() * jitter.secondsDouble / context.period.secondsDouble).rounded()) : 0
        order += 1
        held.append((context.tick + ticks, order, frame))
    }

    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        if inputEnded, let late = swapped {
            swapped = nil
            held.append((context.tick, Int.max, late))
        }
        let due = held.filter { $0.release <= context.tick }.sorted { ($0.release, $0.order) < ($1.release, $1.order) }
        if !due.isEmpty {
            held.removeAll { $0.release <= context.tick }
            for entry in due {
                counts.passed += 1
                _ = try entry.frame.withFrame { (frame) throws(NodeError) in try context.push(frame) }
            }
        }
        return inputEnded && held.isEmpty && swapped == nil ? .endOfStream : .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream {
            inputEnded = true
            return
        }
        try context.forward(event)
    }

    public var endsByItself: Bool { true }

    public var summary: String? {
        "passed \(counts.passed), lost \(counts.lost), duplicated \(counts.duplicated), reordered \(counts.reordered)"
    }
}

/// SplitMix64: a small, fast, seedable generator (Steele, Lea & Flood 2014).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A uniform value in [0, 1).
    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
