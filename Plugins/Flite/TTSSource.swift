public import MediaCore

/// `tts`: speaks text with a flite voice.
///
/// Text comes from `text=` and from `text` events at run time (a line typed in a call, a
/// prompt sent by a script). Synthesis streams: the first audio is ready a few tens of
/// milliseconds after the text. On the real-time clock the node never waits (silence until
/// audio is ready); on the virtual clock it waits for the synthesizer, so offline runs are
/// exact. With `text=` the source ends after speaking it; without, it stays open.
public final class TTSSource: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "tts", category: .source,
        summary: "Speaks text (flite voices kal, kal16, slt, rms, awb); text from text= or typed at run time.",
        outputs: [PortSpec("src", .pcm(rates: [8_000, 16_000], channels: [1]))],
        parameters: [
            ParameterSpec("voice", .choice(FliteEngine.voiceNames), default: .string("slt"),
                          doc: "kal is 8 kHz; kal16, slt (female), rms and awb (male) are 16 kHz."),
            ParameterSpec("text", .string, default: .string(""), doc: "Text to speak at the start."),
            ParameterSpec("keep-open", .bool, default: .bool(false),
                          doc: "Keep producing silence after text= is spoken, waiting for more text."),
        ],
        examples: ["tts voice=rms text=\"hello world\" ! wav-recorder path=hello.wav",
                   "tts voice=kal text=\"please hold\" ! pcmu-encoder ! null-sink"])

    private let voice: String
    private let initialText: String
    private let endsWhenDone: Bool
    private let rate: Int
    private let buffer = SpeechBuffer()
    private var produced: Int64 = 0
    private var spoken: Int64 = 0
    private let pool = FramePool(byteCapacity: 4_096)

    public init(parameters: NodeParameters) throws(NodeError) {
        voice = parameters.string("voice") ?? "slt"
        initialText = parameters.string("text") ?? ""
        endsWhenDone = !initialText.isEmpty && !parameters.bool("keep-open")
        guard let rate = FliteEngine.shared.rate(of: voice) else {
            throw .unavailable("flite has no voice '\(voice)'; voices: \(FliteEngine.voiceNames.joined(separator: ", "))")
        }
        self.rate = rate
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [.mono16(rate)] }

    public func start(_ context: NodeContext) throws(NodeError) {
        if !initialText.isEmpty { speak(initialText) }
    }

    private func speak(_ text: String) {
        buffer.begin()
        FliteEngine.shared.speak(text, voice: voice, sink: buffer)
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if case .text(let text) = event, !text.isEmpty { speak(text) } else { try context.forward(event) }
    }

    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let count = context.samplesThisTick(rate: rate)
        let out = pool.acquire(minimumCapacity: count * 2)
        let got = buffer.read(into: out.int16, count: count, wait: !context.isRealtime)
        if got == 0, endsWhenDone, buffer.isIdle { return .endOfStream }
        // Frames stay whole: silence fills the gap until synthesis catches up (real time only)
        // and after the last spoken sample.
        (out.int16 + got).update(repeating: 0, count: count - got)
        let frame = Frame(buffer: out, byteCount: count * 2, sampleCount: count,
                          timestamp: MediaTime(sample: produced, clockRate: rate))
        produced += Int64(count)
        spoken += Int64(got)
        return try context.push(frame)
    }

    public func stop(_ context: NodeContext) { buffer.cancel() }

    public var endsByItself: Bool { endsWhenDone }

    public var summary: String? { "spoke \(MediaTime(sample: spoken, clockRate: rate)) of audio with voice \(voice)" }
}

/// Text to speech.
public enum FlitePlugin: MediaPlugin {
    public static let name = "flite"
    public static let nodeTypes: [any MediaNode.Type] = [TTSSource.self]
}
