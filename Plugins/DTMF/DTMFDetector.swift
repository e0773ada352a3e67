public import MediaCore
import DSP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dtmf-detector`: finds DTMF keys in audio (Goertzel filters on the Q.23 frequencies) and
/// posts each key once, with its start time and duration, when it is released.
///
/// Analysis windows are 25.6 ms (205 samples at 8 kHz, 39 Hz resolution) taken every 6.4 ms.
/// Per window: both tones above a minimum level; the twist within limits (the high group up to
/// 8 dB above the low group, or 4 dB below it); each group's strongest tone 6 dB above its
/// neighbours; and 85% of the window's energy in the two tones, which rejects speech and keys
/// that do not fill the window. A key
/// needs two consecutive windows (≈ 32 ms of tone, so 40 ms keys are found and blips under
/// 25 ms are not, in the spirit of ITU-T Q.24) and ends after two windows without it.
public final class DTMFDetector: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "dtmf-detector", category: .analyzer,
        summary: "Detects in-band DTMF keys and posts each key once with its timing; passes audio through.",
        inputs: [PortSpec("sink", .pcm(rates: [8_000, 16_000], channels: [1]))],
        outputs: [PortSpec("src", .pcm(rates: [8_000, 16_000], channels: [1]), presence: .optional)],
        parameters: [
            ParameterSpec("min-level", .decibels, default: .decibels(-36), range: -60...(-10),
                          doc: "The weakest tone accepted, in dBFS."),
        ],
        formatRule: .passthrough,
        examples: ["wav-player path=keys.wav ! dtmf-detector"])

    static let rows: [Double] = [697, 770, 852, 941]
    static let columns: [Double] = [1209, 1336, 1477, 1633]
    static let keys: [[Character]] = [["1", "2", "3", "A"], ["4", "5", "6", "B"], ["7", "8", "9", "C"], ["*", "0", "#", "D"]]

    private let minimumPower: Double
    private var filters: [Goertzel] = []
    private var blockSize = 205
    private var hop = 51
    private var rate = 8_000
    private var queue = SampleQueue(capacity: 1)
    private var block: UnsafeMutablePointer<Int16>?
    private var analyzed: Int64 = 0
    private var candidate: DTMFDigit?, candidateBlocks = 0
    private var active: (digit: DTMFDigit, start: Int64)?
    private var missing = 0

    public init(parameters: NodeParameters) {
        // A full-scale sine measures 0.25 in Goertzel power; -36 dBFS peak ≈ 0.25 · 10^(-3.6).
        minimumPower = 0.25 * pow(10, parameters.double("min-level") / 10)
    }

    deinit { block?.deallocate() }

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.inputFormats[0].clockRate
        blockSize = 205 * rate / 8_000
        hop = blockSize / 4
        filters = (Self.rows + Self.columns).map { Goertzel(frequency: $0, sampleRate: rate) }
        queue = SampleQueue(capacity: blockSize * 20)
        block = .allocate(capacity: blockSize)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let block else { return .notLinked }
        queue.write(frame.int16, count: frame.byteCount / 2)
        while queue.count >= blockSize {
            queue.peek(into: block, count: blockSize)
            try analyze(UnsafeBufferPointer(start: block, count: blockSize), context)
            queue.skip(hop)
            analyzed += Int64(hop)
        }
        return try context.push(frame)
    }

    /// The key present in one block, if any.
    func classify(_ samples: UnsafeBufferPointer<Int16>) -> DTMFDigit? {
        let powers = filters.map { $0.power(samples) }
        let rowPowers = powers[0..<4], columnPowers = powers[4..<8]
        guard let row = rowPowers.indices.max(by: { rowPowers[$0] < rowPowers[$1] }),
              let column = columnPowers.indices.max(by: { columnPowers[$0] < columnPowers[$1] }) else { return nil }
        let low = powers[row], high = powers[column]
        guard low >= minimumPower, high >= minimumPower else { return nil }
        // Twist: high group at most 8 dB above (normal) or 4 dB below (reverse) the low group.
        guard high <= low * 6.31, high >= low * 0.398 else { return nil }
        // Each group's peak stands out by 6 dB (a factor of 4 in power).
        for i in 0..<4 where i != row && powers[i] * 4 > low { return nil }
        for i in 4..<8 where i != column && powers[i] * 4 > high { return nil }
        // The two tones carry most of the block's energy (speech spreads it out).
        let meanSquare = Goertzel.meanSquare(samples)
        // A sine of peak A has power ≈ A²/4 here and mean square A²/2, so this is the tones'
        // share of the window's energy: ≈ 0.97 for a key filling the window (after G.711), far
        // less for speech, and the filled fraction for a key shorter than the window.
        guard (low + high) * 2 >= meanSquare * 0.85 else { return nil }
        return DTMFDigit(Self.keys[row][column - 4])
    }

    private func analyze(_ samples: UnsafeBufferPointer<Int16>, _ context: NodeContext) throws(NodeError) {
        let digit = classify(samples)
        if let digit, digit == candidate {
            candidateBlocks += 1
        } else {
            candidate = digit
            candidateBlocks = digit == nil ? 0 : 1
        }
        if let active {
            if candidate == active.digit {
                missing = 0
            } else {
                missing += 1
                if missing >= 2 { try release(context) }
            }
        } else if let candidate, candidateBlocks >= 2 {
            active = (candidate, analyzed - Int64(hop))
            missing = 0
        }
    }

    private func release(_ context: NodeContext) throws(NodeError) {
        guard let (digit, start) = active else { return }
        active = nil
        let end = analyzed + Int64(blockSize) - Int64((missing + 1) * hop)
        let duration = Duration.nanoseconds((end - start) * 1_000_000_000 / Int64(rate))
        let event = MediaEvent.dtmf(digit, at: MediaTime(sample: start, clockRate: rate), duration: duration)
        context.post(event)
        try context.forward(event)
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream {
            missing = 0
            try release(context)
        }
        try context.forward(event)
    }
}

/// In-band DTMF nodes.
public enum DTMFPlugin: MediaPlugin {
    public static let name = "dtmf"
    public static let nodeTypes: [any MediaNode.Type] = [DTMFToneSource.self, DTMFDetector.self]
}
