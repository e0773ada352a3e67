public import MediaCore
import CSpeexDSP

/// `echo-canceller`: removes the far-end signal's echo from the microphone signal (SpeexDSP
/// MDF adaptive filter plus residual-echo suppression).
///
/// ```
/// alsa-source ! ec.mic            (the microphone: near-end speech + echo)
/// @decoder ! tee name=t  t. ! alsa-sink  t. ! ec.far-end      (what the loudspeaker plays)
/// echo-canceller name=ec ! @encoder ! @rtp-out
/// ```
/// Both inputs are mono at one rate and are processed in 20 ms blocks as they line up; the
/// output carries the microphone's timing.
public final class EchoCanceller: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "echo-canceller", category: .filter,
        summary: "Cancels the far-end echo in the microphone signal (SpeexDSP), 20 ms mono blocks.",
        inputs: [PortSpec("mic", .pcm(channels: [1])), PortSpec("far-end", .pcm(channels: [1]))],
        outputs: [PortSpec("src", .pcm(channels: [1]))],
        parameters: [
            ParameterSpec("tail", .duration, default: .duration(.milliseconds(200)), range: 0.02...1,
                          doc: "The longest echo path to model (room size and device delay)."),
            ParameterSpec("suppress", .bool, default: .bool(true), doc: "Suppress residual echo after cancellation."),
        ],
        examples: ["wav-player path=mic.wav ! ec.mic  wav-player path=speaker.wav ! ec.far-end  echo-canceller name=ec ! wav-recorder path=clean.wav"])

    private let tail: Duration
    private let suppress: Bool
    private var echo: OpaquePointer?
    private var preprocess: OpaquePointer?
    private var mic = SampleQueue(capacity: 1), farEnd = SampleQueue(capacity: 1)
    private var farEndEnded = false
    private var frameSize = 160, rate = 8_000
    private var produced: Int64 = 0
    private let pool = FramePool(byteCapacity: 2_048)
    private let reference = FramePool(byteCapacity: 2_048, count: 1)

    public init(parameters: NodeParameters) {
        tail = parameters.duration("tail")
        suppress = parameters.bool("suppress")
    }

    deinit {
        if let echo { speex_echo_state_destroy(echo) }
        if let preprocess { speex_preprocess_state_destroy(preprocess) }
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard negotiation.inputs.count == 2, negotiation.inputs[0] == negotiation.inputs[1] else {
            throw .format("echo-canceller needs mic and far-end in one format, got "
                          + negotiation.inputs.map(\.description).joined(separator: " and ") + "; resample one of them")
        }
        return [negotiation.inputs[0]]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.inputFormats[0].clockRate
        frameSize = rate / 50
        guard let echo = speex_echo_state_init(Int32(frameSize), Int32(tail.samples(atRate: rate))) else {
            throw .runtime("SpeexDSP could not create an echo canceller at \(rate) Hz")
        }
        self.echo = echo
        var sampleRate = Int32(rate)
        speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &sampleRate)
        if suppress, let preprocess = speex_preprocess_state_init(Int32(frameSize), Int32(rate)) {
            self.preprocess = preprocess
            speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_ECHO_STATE, UnsafeMutableRawPointer(echo))
        }
        mic = SampleQueue(capacity: frameSize * 50)
        farEnd = SampleQueue(capacity: frameSize * 50)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        if port == 0 { mic.write(frame.int16, count: frame.byteCount / 2) } else { farEnd.write(frame.int16, count: frame.byteCount / 2) }
        return try drain(context, flushing: false)
    }

    private func drain(_ context: NodeContext, flushing: Bool) throws(NodeError) -> FlowResult {
        guard let echo else { return .notLinked }
        var result = FlowResult.ok
        while mic.count >= frameSize, farEnd.count >= frameSize || farEndEnded || flushing {
            let near = pool.acquire(minimumCapacity: frameSize * 2)
            let far = reference.acquire(minimumCapacity: frameSize * 2)
            mic.read(into: near.int16, count: frameSize)
            let got = farEnd.read(into: far.int16, count: frameSize)
            if got < frameSize { (far.int16 + got).update(repeating: 0, count: frameSize - got) }
            let out = pool.acquire(minimumCapacity: frameSize * 2)
            speex_echo_cancellation(echo, near.int16, far.int16, out.int16)
            if let preprocess { speex_preprocess_run(preprocess, out.int16) }
            result = try context.push(Frame(buffer: out, byteCount: frameSize * 2, sampleCount: frameSize,
                                            timestamp: MediaTime(sample: produced, clockRate: rate)))
            produced += Int64(frameSize)
        }
        return result
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, case .input(1) = origin { farEndEnded = true }
        if event == .endOfStream, context.allInputsEnded { _ = try drain(context, flushing: true) }
        if event == .endOfStream, !context.allInputsEnded { return }
        try context.forward(event)
    }
}
