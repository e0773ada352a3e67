public import MediaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gain`: multiplies the signal by a gain given in dB, saturating at full scale.
///
/// Fixed-point Q16 arithmetic, so the result is the same on every machine.
public final class Gain: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "gain", category: .filter,
        summary: "Changes the level of a PCM stream by a gain in dB (saturating).",
        inputs: [PortSpec("sink", .anyPCM())],
        outputs: [PortSpec("src", .anyPCM())],
        parameters: [ParameterSpec("gain", .decibels, default: .decibels(0), range: -96...48,
                                   doc: "Gain in dB: -6dB halves the amplitude, 6dB doubles it.")],
        formatRule: .passthrough,
        examples: ["wav-player path=in.wav ! gain gain=-6dB ! wav-recorder path=quieter.wav"])

    /// The gain factor in Q16 fixed point.
    public let factorQ16: Int64
    private let pool = FramePool(byteCapacity: 4096)

    public init(parameters: NodeParameters) {
        factorQ16 = Int64((pow(10, parameters.double("gain") / 20) * 65_536).rounded())
    }

    @inline(__always)  // the witness holds the body: one call per hop (see MediaNode.process)
    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        let count = frame.byteCount / 2
        let storage = pool.acquire(minimumCapacity: frame.byteCount)
        Self.apply(factorQ16, frame.int16, into: storage.int16, count: count)
        return try context.push(Frame(buffer: storage, byteCount: frame.byteCount, sampleCount: frame.sampleCount,
                                      timestamp: frame.timestamp, flags: frame.flags))
    }

    /// Scales `count` samples by a Q16 factor with rounding and saturation.
    public static func apply(_ factorQ16: Int64, _ input: UnsafePointer<Int16>,
                             into output: UnsafeMutablePointer<Int16>, count: Int) {
        for i in 0..<count {
            let scaled = (Int64(input[i]) &* factorQ16 &+ 32_768) >> 16
            output[i] = Int16(truncatingIfNeeded: min(max(scaled, -32_768), 32_767))
        }
    }
}
