public import MediaCore
import DSP

/// `vad`: detects speech and posts `speech` events (started/stopped) with their media time;
/// passes audio through. White noise and steady background are not speech.
public final class VoiceActivityDetector: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "vad", category: .analyzer,
        summary: "Posts speech start/stop events (energy above the noise floor and a non-flat spectrum).",
        inputs: [PortSpec("sink", .pcm(channels: [1]))],
        outputs: [PortSpec("src", .pcm(channels: [1]), presence: .optional)],
        parameters: [
            ParameterSpec("threshold", .decibels, default: .decibels(9), range: 3...30,
                          doc: "How far above the noise floor speech must be."),
            ParameterSpec("min-level", .decibels, default: .decibels(-50), range: -90...0,
                          doc: "The quietest level counted as speech, in dBFS."),
            ParameterSpec("hangover", .duration, default: .duration(.milliseconds(400)), range: 0.02...5,
                          doc: "How long without speech ends an utterance."),
        ],
        formatRule: .passthrough,
        examples: ["wav-player path=call.wav ! vad ! null-sink"])

    private var configuration = SpeechDetector.Configuration()
    private var detector: SpeechDetector?
    private var queue = SampleQueue(capacity: 1)
    private var analyzed: Int64 = 0
    private var rate = 8_000
    private var frame: UnsafeMutablePointer<Int16>?

    public init(parameters: NodeParameters) {
        configuration.threshold = parameters.double("threshold")
        configuration.minimumLevel = parameters.double("min-level")
        configuration.hangover = parameters.duration("hangover")
    }

    deinit { frame?.deallocate() }

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.inputFormats[0].clockRate
        let detector = SpeechDetector(sampleRate: rate, configuration: configuration)
        self.detector = detector
        queue = SampleQueue(capacity: detector.frameSize * 50)
        frame = .allocate(capacity: detector.frameSize)
    }

    public func process(_ input: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let frameSize = detector?.frameSize, let frame else { return .notLinked }
        queue.write(input.int16, count: input.byteCount / 2)
        while queue.count >= frameSize {
            queue.read(into: frame, count: frameSize)
            // Mutated in place (a local copy would copy its FFT buffers every frame).
            let transition = detector?.analyze(frame)
            analyzed += Int64(frameSize)
            if let transition {
                let (active, framesAgo) = switch transition {
                case .started(let n): (true, n)
                case .stopped(let n): (false, n)
                }
                let at = MediaTime(sample: analyzed - Int64((framesAgo + 1) * frameSize), clockRate: rate)
                context.post(.speech(active: active, at: at))
                try context.forward(.speech(active: active, at: at))
            }
        }
        return try context.push(input)
    }
}

/// Analysis nodes.
public enum AnalysisPlugin: MediaPlugin {
    public static let name = "analysis"
    public static let nodeTypes: [any MediaNode.Type] = [VoiceActivityDetector.self, ToneDetector.self]
}
