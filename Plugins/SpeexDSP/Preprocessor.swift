public import MediaCore
import CSpeexDSP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `preprocess`: SpeexDSP noise suppression, automatic gain control and dereverberation on
/// 20 ms mono frames.
public final class Preprocessor: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "preprocess", category: .filter,
        summary: "Suppresses noise, levels the gain and reduces reverberation (SpeexDSP), 20 ms mono frames.",
        inputs: [PortSpec("sink", .pcm(channels: [1]))],
        outputs: [PortSpec("src", .pcm(channels: [1]))],
        parameters: [
            ParameterSpec("denoise", .bool, default: .bool(true), doc: "Noise suppression."),
            ParameterSpec("noise-suppress", .decibels, default: .decibels(-15), range: -60...0,
                          doc: "Maximum attenuation of noise."),
            ParameterSpec("agc", .bool, default: .bool(false), doc: "Automatic gain control."),
            ParameterSpec("agc-level", .decibels, default: .decibels(-12), range: -40...0,
                          doc: "Target RMS level of AGC, in dBFS."),
            ParameterSpec("dereverb", .bool, default: .bool(false), doc: "Reverberation removal."),
        ],
        formatRule: .passthrough,
        examples: ["wav-player path=noisy.wav ! preprocess agc=true ! wav-recorder path=clean.wav"])

    private let denoise: Bool, suppress: Int32, agc: Bool, agcLevel: Float, dereverb: Bool
    private var state: OpaquePointer?
    private var queue = SampleQueue(capacity: 1)
    private var frameSize = 160
    private var rate = 8_000
    private var produced: Int64 = 0
    private let pool = FramePool(byteCapacity: 2_048)

    public init(parameters: NodeParameters) {
        denoise = parameters.bool("denoise")
        suppress = Int32(parameters.double("noise-suppress"))
        agc = parameters.bool("agc")
        agcLevel = Float(32_768 * pow(10, parameters.double("agc-level") / 20))
        dereverb = parameters.bool("dereverb")
    }

    deinit { if let state { speex_preprocess_state_destroy(state) } }

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.inputFormats[0].clockRate
        frameSize = rate / 50
        guard let preprocess = speex_preprocess_state_init(Int32(frameSize), Int32(rate)) else {
            throw .runtime("SpeexDSP could not create a preprocessor at \(rate) Hz")
        }
        state = preprocess
        var on: Int32 = denoise ? 1 : 0
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_DENOISE, &on)
        var level = suppress
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &level)
        on = agc ? 1 : 0
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_AGC, &on)
        var target = agcLevel
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_AGC_LEVEL, &target)
        on = dereverb ? 1 : 0
        speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_DEREVERB, &on)
        queue = SampleQueue(capacity: frameSize * 50)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state else { return .notLinked }
        queue.write(frame.int16, count: frame.byteCount / 2)
        var result = FlowResult.ok
        while queue.count >= frameSize {
            let out = pool.acquire(minimumCapacity: frameSize * 2)
            queue.read(into: out.int16, count: frameSize)
            speex_preprocess_run(state, out.int16)
            result = try context.push(Frame(buffer: out, byteCount: frameSize * 2, sampleCount: frameSize,
                                            timestamp: MediaTime(sample: produced, clockRate: rate)))
            produced += Int64(frameSize)
        }
        return result
    }
}
