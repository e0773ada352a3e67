public import MediaCore
import DSP
import Dispatch
import Synchronization

/// `recognizer`: transcribes speech with pocketsphinx and posts a `recognized` event per
/// utterance (text, start and end media time, posterior probability).
///
/// Utterances are cut by the speech detector the `vad` node uses, with 300 ms of audio kept
/// before each and 200 ms after. Decoding runs on a worker thread (≈ 0.15–0.2× real time), so
/// the graph never waits for it; results are posted when ready, and stopping the graph waits
/// for the last one. 8 kHz telephone audio is widened for the 16 kHz-only en-us model
/// (``BandExtension``). Audio passes through to the optional output.
public final class RecognizerNode: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "recognizer", category: .analyzer,
        summary: "Transcribes speech (pocketsphinx, en-us) and posts the text of each utterance.",
        inputs: [PortSpec("sink", .pcm(rates: [8_000, 16_000], channels: [1]))],
        outputs: [PortSpec("src", .pcm(rates: [8_000, 16_000], channels: [1]), presence: .optional)],
        parameters: [
            ParameterSpec("hmm", .string, default: .string(SpeechModel.englishUS.acousticModel),
                          doc: "The acoustic model directory (16 kHz)."),
            ParameterSpec("lm", .string, default: .string(SpeechModel.englishUS.languageModel),
                          doc: "The language model."),
            ParameterSpec("dict", .string, default: .string(SpeechModel.englishUS.dictionary),
                          doc: "The pronunciation dictionary."),
            ParameterSpec("band-extension", .choice(["auto", "on", "off"]), default: .string("auto"),
                          doc: "Fill the empty 4–8 kHz band of telephone audio; auto = for 8 kHz input."),
            ParameterSpec("threshold", .decibels, default: .decibels(9), range: 3...30,
                          doc: "How far above the noise floor speech must be."),
            ParameterSpec("min-level", .decibels, default: .decibels(-50), range: -90...0,
                          doc: "The quietest level counted as speech, in dBFS."),
            ParameterSpec("hangover", .duration, default: .duration(.milliseconds(500)), range: 0.1...5,
                          doc: "How long a pause ends an utterance."),
        ],
        formatRule: .passthrough,
        examples: ["wav-player path=call.wav ! resample rate=16000 ! recognizer",
                   "rtp-in ! pcmu-decoder ! recognizer ! alsa-sink"])

    private let model: SpeechModel
    private let extensionSetting: String
    private var configuration = SpeechDetector.Configuration()
    private var segmenter: UtteranceSegmenter?
    private var input = SampleQueue(capacity: 1)
    private var frame: UnsafeMutablePointer<Int16>?
    private var rate = SpeechModel.sampleRate
    private var widen: BandExtension?
    private var messenger: NodeMessenger?
    private let worker = DispatchQueue(label: "callwire.recognizer")
    private let results = Results()
    private var ended = false

    /// What the worker reports back to the graph's executor.
    private final class Results: Sendable {
        private struct State {
            var utterances = 0
            var failure: String?
        }
        private let state = Mutex(State())
        var utterances: Int { state.withLock { $0.utterances } }
        var failure: String? { state.withLock { $0.failure } }
        func decoded() { state.withLock { $0.utterances += 1 } }
        func failed(_ message: String) { state.withLock { $0.failure = message } }
    }

    public init(parameters: NodeParameters) {
        model = SpeechModel(acousticModel: parameters.string("hmm") ?? SpeechModel.englishUS.acousticModel,
                            languageModel: parameters.string("lm") ?? SpeechModel.englishUS.languageModel,
                            dictionary: parameters.string("dict") ?? SpeechModel.englishUS.dictionary)
        extensionSetting = parameters.string("band-extension") ?? "auto"
        configuration.threshold = parameters.double("threshold")
        configuration.minimumLevel = parameters.double("min-level")
        configuration.hangover = parameters.duration("hangover")
    }

    deinit { frame?.deallocate() }

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.inputFormats[0].clockRate
        do {
            try DecoderPool.shared.preload(model)
        } catch {
            throw .unavailable(error.description)
        }
        let segmenter = UtteranceSegmenter(sampleRate: rate, configuration: configuration)
        self.segmenter = segmenter
        input = SampleQueue(capacity: segmenter.frameSize * 50)
        frame = .allocate(capacity: segmenter.frameSize)
        let narrowband = rate < SpeechModel.sampleRate
        if extensionSetting == "on" || (extensionSetting == "auto" && narrowband) {
            widen = BandExtension()
        }
        if narrowband && widen == nil {
            throw .configuration("recognizer: band-extension=off needs 16 kHz input; the en-us model is wideband only")
        }
        messenger = context.messenger
    }

    public func process(_ input: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        if let failure = results.failure { throw .runtime(failure) }
        guard let frame, let frameSize = segmenter?.frameSize else { return .notLinked }
        self.input.write(input.int16, count: input.byteCount / 2)
        while self.input.count >= frameSize {
            self.input.read(into: frame, count: frameSize)
            if let utterance = segmenter?.analyze(UnsafeBufferPointer(start: frame, count: frameSize)) {
                submit(utterance)
            }
        }
        let result = try context.push(input)
        return result == .notLinked ? .ok : result
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream { finishStream() }
        if event == .endOfStream, !context.allInputsEnded { return }
        try context.forward(event)
    }

    public func stop(_ context: NodeContext) {
        finishStream()
        // Nothing is lost when a call or a run ends: wait for the utterances still decoding.
        worker.sync {}
    }

    private func finishStream() {
        guard !ended else { return }
        ended = true
        if let utterance = segmenter?.finish() { submit(utterance) }
    }

    /// Decodes `utterance` on the worker and posts what it says.
    private func submit(_ utterance: UtteranceSegmenter.Utterance) {
        let model = model, widen = widen, rate = rate, messenger = messenger, results = results
        let audio = utterance.samples
        let start = MediaTime(sample: utterance.start, clockRate: rate)
        let end = MediaTime(sample: utterance.end, clockRate: rate)
        worker.async {
            let samples = widen?.widen(audio) ?? audio
            do throws(RecognizerError) {
                let hypothesis = try DecoderPool.shared.withDecoder(for: model) { $0.decode(samples) }
                results.decoded()
                guard !hypothesis.text.isEmpty else { return }
                messenger?.post(.recognized(text: hypothesis.text, start: start, end: end, score: hypothesis.score))
            } catch {
                results.failed(error.description)
            }
        }
    }

    public var summary: String? {
        "decoded \(results.utterances) utterance(s)"
    }
}

/// Speech recognition.
public enum RecognizerPlugin: MediaPlugin {
    public static let name = "pocketsphinx"
    public static let nodeTypes: [any MediaNode.Type] = [RecognizerNode.self]
}
