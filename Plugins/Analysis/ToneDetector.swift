public import MediaCore
import DSP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `tone-detector`: finds a steady tone at one frequency and posts a `tone` event once it has
/// lasted `min-duration` (once per tone: it must stop before it is reported again); passes
/// audio through.
///
/// Audio is analysed in 20 ms blocks (a Goertzel filter, 50 Hz wide). A block holds the tone
/// when the tone is at least `min-level` and carries at least 80 % of the block's energy, so
/// speech, noise and DTMF pairs (each tone only half the energy) are not taken for it; a lost
/// block inside a tone (a concealed packet) is forgiven. The event is
/// `custom(name: "tone", fields: frequency, start, duration)`, times in seconds of media.
public final class ToneDetector: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "tone-detector", category: .analyzer,
        summary: "Posts a `tone` event when a steady tone at `freq` has lasted `min-duration`; passes audio through.",
        inputs: [PortSpec("sink", .pcm(channels: [1]))],
        outputs: [PortSpec("src", .pcm(channels: [1]), presence: .optional)],
        parameters: [
            ParameterSpec("freq", .double, default: .double(1_000), range: 50...20_000, doc: "The tone's frequency, in Hz."),
            ParameterSpec("min-level", .decibels, default: .decibels(-40), range: -70...(-3),
                          doc: "The weakest tone accepted, in dBFS (peak)."),
            ParameterSpec("min-duration", .duration, default: .duration(.milliseconds(200)), range: 0.04...60,
                          doc: "How long the tone must last before it is reported."),
        ],
        formatRule: .passthrough,
        examples: ["sine freq=1000 duration=1s ! tone-detector freq=1000 ! null-sink"])

    /// The share of a block's energy the tone must carry.
    static let dominance = 0.8

    private let frequency: Double
    private let minimumPower: Double
    private let minimumDuration: Double
    private var filter: Goertzel?
    private var blockSize = 160
    private var rate = 8_000
    private var queue = SampleQueue(capacity: 1)
    private var block: UnsafeMutablePointer<Int16>?
    private var analyzed: Int64 = 0
    /// Where the present tone began (samples), and whether it has been reported.
    private var toneStart: Int64?
    private var reported = false
    private var misses = 0

    public init(parameters: NodeParameters) {
        frequency = parameters.double("freq")
        // A full-scale sine measures 0.25 in Goertzel power, so a peak of L dBFS gives 0.25·10^(L/10).
        minimumPower = 0.25 * pow(10, parameters.double("min-level") / 10)
        let duration = parameters.duration("min-duration")
        minimumDuration = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    deinit { block?.deallocate() }

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.inputFormats[0].clockRate
        guard frequency < Double(rate) / 2 else {
            throw NodeError.configuration("freq=\(Int(frequency)) is above the Nyquist frequency of \(rate) Hz audio (\(rate / 2) Hz)")
        }
        blockSize = rate / 50
        filter = Goertzel(frequency: frequency, sampleRate: rate)
        queue = SampleQueue(capacity: blockSize * 20)
        block = .allocate(capacity: blockSize)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let block, let filter else { return .notLinked }
        queue.write(frame.int16, count: frame.byteCount / 2)
        while queue.count >= blockSize {
            queue.read(into: block, count: blockSize)
            let samples = UnsafeBufferPointer(start: block, count: blockSize)
            observe(Self.holdsTone(samples, filter: filter, minimumPower: minimumPower), context)
            analyzed += Int64(blockSize)
        }
        return try context.push(frame)
    }

    /// Whether one block is the tone: loud enough, and most of the block's energy.
    static func holdsTone(_ samples: UnsafeBufferPointer<Int16>, filter: Goertzel, minimumPower: Double) -> Bool {
        let power = filter.power(samples)
        guard power >= minimumPower else { return false }
        return power * 2 >= Goertzel.meanSquare(samples) * dominance
    }

    /// Seconds to the millisecond, as text.
    static func milliseconds(_ seconds: Double) -> String { "\((seconds * 1_000).rounded() / 1_000)" }

    private func observe(_ present: Bool, _ context: NodeContext) {
        if present {
            misses = 0
            let start = toneStart ?? analyzed
            toneStart = start
            let lasted = Double(analyzed + Int64(blockSize) - start) / Double(rate)
            if !reported, lasted >= minimumDuration {
                reported = true
                context.post(.custom(name: "tone", fields: [
                    "frequency": String(Int(frequency.rounded())),
                    "start": Self.milliseconds(Double(start) / Double(rate)),
                    "duration": Self.milliseconds(lasted),
                ]))
            }
        } else if toneStart != nil {
            // One block off (a concealed packet, a click) does not end a tone; two do.
            misses += 1
            if misses >= 2 {
                toneStart = nil
                reported = false
                misses = 0
            }
        }
    }
}
