public import MediaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `level-meter`: measures RMS and peak level and posts a `level` event every interval.
///
/// Frames pass through unchanged when the output is linked, so a meter can sit anywhere in a
/// chain or end one.
public final class LevelMeter: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "level-meter", category: .analyzer,
        summary: "Posts RMS and peak levels (dBFS) every interval; passes audio through.",
        inputs: [PortSpec("sink", .anyPCM())],
        outputs: [PortSpec("src", .anyPCM(), presence: .optional)],
        parameters: [ParameterSpec("interval", .duration, default: .duration(.milliseconds(500)),
                                   range: 0.005...3_600, doc: "How often to post a level event.")],
        formatRule: .passthrough,
        examples: ["wav-player path=call.wav ! level-meter interval=1s"])

    private let interval: Duration
    private var windowSamples = 0
    private var windowSumSquares = 0.0, windowPeak: Int32 = 0, windowCount = 0
    private var totalSumSquares = 0.0, totalPeak: Int32 = 0, totalCount: Int64 = 0
    private var rate = 8_000
    private var lastEnd = MediaTime.zero(clockRate: 8_000)

    public init(parameters: NodeParameters) { interval = parameters.duration("interval") }

    public func start(_ context: NodeContext) throws(NodeError) {
        let format = context.inputFormats[0]
        rate = format.clockRate
        windowSamples = max(1, interval.samples(atRate: rate)) * format.channels
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        let samples = frame.int16Samples
        for s in samples {
            let v = Int32(s)
            windowSumSquares += Double(v * v)
            let magnitude = abs(v)
            if magnitude > windowPeak { windowPeak = magnitude }
            windowCount += 1
            if windowCount == windowSamples { flush(context, at: frame.endTime) }
        }
        lastEnd = frame.endTime
        return try context.push(frame)
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, windowCount > 0 { flush(context, at: lastEnd) }
        if event == .endOfStream, !context.allInputsEnded { return }
        try context.forward(event)
    }

    private func flush(_ context: NodeContext, at time: MediaTime) {
        context.post(.level(rms: Self.dBFS(rms: (windowSumSquares / Double(windowCount)).squareRoot()),
                            peak: Self.dBFS(rms: Double(windowPeak)), at: time))
        totalSumSquares += windowSumSquares
        totalCount += Int64(windowCount)
        totalPeak = max(totalPeak, windowPeak)
        windowSumSquares = 0
        windowPeak = 0
        windowCount = 0
    }

    /// Converts a linear amplitude (in 16-bit units) to dBFS; silence is -120 dBFS.
    public static func dBFS(rms: Double) -> Double {
        rms <= 0 ? -120 : 20 * log10(rms / 32_768)
    }

    public var summary: String? {
        guard totalCount > 0 else { return nil }
        let rms = Self.dBFS(rms: (totalSumSquares / Double(totalCount)).squareRoot())
        let peak = Self.dBFS(rms: Double(totalPeak))
        return "level RMS \(Self.format(rms)) dBFS, peak \(Self.format(peak)) dBFS"
    }

    static func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)).0" : "\(tenths)"
    }
}
