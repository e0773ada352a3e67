public import MediaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ring-modulator`: multiplies the signal by a sine carrier — the classic "robot voice".
///
/// A complete custom node: a descriptor (which drives validation, `nodes inspect` and the
/// docs), an initializer from validated parameters, and `process` writing into a pool.
public final class RingModulator: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "ring-modulator", category: .filter,
        summary: "Multiplies PCM by a sine carrier (ring modulation).",
        inputs: [PortSpec("sink", .anyPCM())],
        outputs: [PortSpec("src", .anyPCM())],
        parameters: [
            ParameterSpec("freq", .frequency, default: .frequency(50), range: 1...4_000,
                          doc: "Carrier frequency in Hz; 20–60 Hz gives a robotic voice."),
            ParameterSpec("depth", .percent, default: .percent(1), range: 0...1,
                          doc: "How much of the signal is modulated (100% = pure ring modulation)."),
        ],
        formatRule: .passthrough,
        examples: ["wav-player path=voice.wav ! ring-modulator freq=30Hz ! wav-recorder path=robot.wav"])

    private let frequency: Double
    private let depth: Double
    private let pool = FramePool(byteCapacity: 4096)
    private var phase = 0.0
    private var phaseStep = 0.0
    private var channels = 1

    public init(parameters: NodeParameters) {
        frequency = parameters.double("freq")
        depth = parameters.double("depth")
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        let format = context.inputFormats[0]
        guard frequency < Double(format.clockRate) / 2 else {
            throw .configuration("freq must be below half the sample rate (\(format.clockRate / 2) Hz)")
        }
        phaseStep = 2 * Double.pi * frequency / Double(format.clockRate)
        channels = format.channels
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        let out = pool.acquire(minimumCapacity: frame.byteCount)
        let input = frame.int16, output = out.int16
        for i in 0..<frame.sampleCount {
            let gain = 1 - depth + depth * cos(phase)
            for c in 0..<channels {
                let index = i * channels + c
                output[index] = Int16(clamping: Int((Double(input[index]) * gain).rounded()))
            }
            phase += phaseStep
            if phase > 2 * Double.pi { phase -= 2 * Double.pi }
        }
        return try context.push(Frame(buffer: out, byteCount: frame.byteCount, sampleCount: frame.sampleCount,
                                      timestamp: frame.timestamp, flags: frame.flags))
    }
}

/// The plugin: the list of node types this package adds.
public enum RingModulatorPlugin: MediaPlugin {
    public static let name = "ring-modulator"
    public static let nodeTypes: [any MediaNode.Type] = [RingModulator.self]
}
