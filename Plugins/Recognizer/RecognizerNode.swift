public import MediaCore
import DSP
import Dispatch

/// `recognizer`: transcribes speech with pocketsphinx and posts a `recognized` event per
/// utterance (text, start and end media time, and details: posterior, per-word times and
/// confidences, an n-best list when asked for).
///
/// Utterances are cut by the speech detector the `vad` node uses, with 300 ms of audio kept
/// before each and 200 ms after. Decoding runs on a worker thread (≈ 0.1–0.2× real time), so
/// the graph never waits for it; results are posted when ready, and stopping the graph waits
/// for the last one. What is listened for is free speech (the n-gram model), a JSGF grammar
/// (`grammar=`), a list of phrases (`phrases=`) or a key phrase to spot (`keyphrase=`).
/// 8 kHz telephone audio is upsampled for the 16 kHz model (``BandExtension``). Audio passes
/// through to the optional output.
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
            ParameterSpec("grammar", .string,
                          doc: "A JSGF grammar file: each utterance is recognized as one sentence of it."),
            ParameterSpec("phrases", .string,
                          doc: "Phrases separated by |: each utterance is recognized as one of them."),
            ParameterSpec("keyphrase", .string,
                          doc: "A phrase to spot anywhere in the speech; each detection is a recognized event."),
            ParameterSpec("keyphrase-threshold", .double, default: .double(-20), range: -100...0,
                          doc: "Key phrase detection threshold as a power of ten (-20 = 1e-20); lower finds more."),
            ParameterSpec("nbest", .int, default: .int(1), range: 1...20,
                          doc: "How many hypotheses to list per utterance (the event's alternatives)."),
            ParameterSpec("partial", .bool, default: .bool(false),
                          doc: "Post recognizing events with the partial hypothesis while an utterance is spoken."),
            ParameterSpec("threshold", .decibels, default: .decibels(9), range: 3...30,
                          doc: "How far above the noise floor speech must be."),
            ParameterSpec("min-level", .decibels, default: .decibels(-50), range: -90...0,
                          doc: "The quietest level counted as speech, in dBFS."),
            ParameterSpec("hangover", .duration, default: .duration(.milliseconds(500)), range: 0.1...5,
                          doc: "How long a pause ends an utterance."),
        ],
        formatRule: .passthrough,
        examples: ["wav-player path=call.wav ! resample rate=16000 ! recognizer",
                   "rtp-in ! pcmu-decoder ! recognizer ! alsa-sink",
                   "wav-player path=menu.wav ! recognizer phrases=\"press one for sales|press two for support\"",
                   "wav-player path=call.wav ! recognizer keyphrase=\"goodbye\" keyphrase-threshold=-25"])

    private let model: SpeechModel
    private let searchResult: Result<RecognitionSearch, RecognizerError>
    private let alternatives: Int
    private let partial: Bool
    private var configuration = SpeechDetector.Configuration()
    private var segmenter: UtteranceSegmenter?
    private var input = SampleQueue(capacity: 1)
    private var frame: UnsafeMutablePointer<Int16>?
    private var transcriber: Transcriber?
    private var counters: Transcriber.Counters?
    /// This node's utterances, decoded in order on one of the process's recognition lanes.
    private let worker = DispatchQueue(label: "callwire.recognizer", target: RecognitionLanes.next())
    /// Audio of the utterance in progress not yet handed to the live decoder (partial results).
    private var pending: [Int16] = []
    private var pendingThrough: Int64 = 0
    private var pendingSpeechStart: Int64 = 0
    private var ended = false

    public init(parameters: NodeParameters) {
        model = SpeechModel(acousticModel: parameters.string("hmm") ?? SpeechModel.englishUS.acousticModel,
                            languageModel: parameters.string("lm") ?? SpeechModel.englishUS.languageModel,
                            dictionary: parameters.string("dict") ?? SpeechModel.englishUS.dictionary)
        searchResult = Result { () throws(RecognizerError) in
            try RecognitionSearch(grammar: parameters.string("grammar"), phrases: parameters.string("phrases"),
                                  keyphrase: parameters.string("keyphrase"), threshold: parameters.double("keyphrase-threshold"))
        }
        alternatives = parameters.int("nbest")
        partial = parameters.bool("partial")
        configuration.threshold = parameters.double("threshold")
        configuration.minimumLevel = parameters.double("min-level")
        configuration.hangover = parameters.duration("hangover")
    }

    deinit { frame?.deallocate() }

    public func start(_ context: NodeContext) throws(NodeError) {
        let rate = context.inputFormats[0].clockRate
        let search: RecognitionSearch
        switch searchResult {
        case .success(let value): search = value
        case .failure(let error): throw .configuration(error.description)
        }
        do {
            // Load the model and install the search now, so a bad grammar or a word missing from
            // the dictionary fails the graph before any audio flows.
            try DecoderPool.shared.validate(search, for: model)
        } catch {
            throw error.description.hasPrefix("recognizer:") ? .configuration(error.description) : .unavailable(error.description)
        }
        let segmenter = UtteranceSegmenter(sampleRate: rate, configuration: configuration)
        self.segmenter = segmenter
        input = SampleQueue(capacity: segmenter.frameSize * 50)
        frame = .allocate(capacity: segmenter.frameSize)
        let transcriber = Transcriber(settings: .init(model: model, search: search, rate: rate,
                                                      alternatives: alternatives),
                                      messenger: context.messenger)
        self.transcriber = transcriber
        counters = transcriber.results
    }

    public func process(_ input: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        if let failure = counters?.failure { throw .runtime(failure) }
        guard let frame, let frameSize = segmenter?.frameSize else { return .notLinked }
        self.input.write(input.int16, count: input.byteCount / 2)
        while self.input.count >= frameSize {
            self.input.read(into: frame, count: frameSize)
            if let utterance = segmenter?.analyze(UnsafeBufferPointer(start: frame, count: frameSize)) {
                pending.removeAll(keepingCapacity: true)
                submit(utterance)
            } else if partial {
                collectPartialAudio()
            }
        }
        let result = try context.push(input)
        return result == .notLinked ? .ok : result
    }

    /// Hands the live decoder the new audio of the utterance in progress, every 250 ms of it.
    private func collectPartialAudio() {
        guard let new = segmenter?.takeNewAudio(), let transcriber else { return }
        pending.append(contentsOf: new.samples)
        pendingSpeechStart = new.speechStart
        pendingThrough = new.through
        let rate = transcriber.settings.rate
        guard pending.count >= rate / 4 else { return }
        let chunk = pending, start = pendingSpeechStart, through = pendingThrough
        pending.removeAll(keepingCapacity: true)
        worker.async { transcriber.hear(chunk, speechStart: start, through: through) }
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
        transcriber.map { transcriber in worker.sync { transcriber.endLive() } }
    }

    private func finishStream() {
        guard !ended else { return }
        ended = true
        if let utterance = segmenter?.finish() { submit(utterance) }
    }

    /// Decodes `utterance` on the worker and posts what it says.
    private func submit(_ utterance: UtteranceSegmenter.Utterance) {
        guard let transcriber else { return }
        worker.async { transcriber.finish(utterance) }
    }

    /// How many utterances were decoded, and how fast: seconds of utterance audio (with its
    /// margins) over the processor time their final decoding took on the worker (partial results
    /// excluded).
    public var summary: String? {
        guard let counters else { return "decoded 0 utterance(s)" }
        let (audio, time) = counters.speed
        let seconds = Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18
        let factor = seconds > 0 ? " (\(Self.oneDecimal(audio / seconds))× real time)" : ""
        return "decoded \(counters.utterances) utterance(s): \(Self.oneDecimal(audio)) s of audio in \(Self.twoDecimals(seconds)) s of CPU\(factor)"
    }

    private static func oneDecimal(_ value: Double) -> String { String((value * 10).rounded() / 10) }
    private static func twoDecimals(_ value: Double) -> String { String((value * 100).rounded() / 100) }
}

/// Speech recognition.
public enum RecognizerPlugin: MediaPlugin {
    public static let name = "pocketsphinx"
    public static let nodeTypes: [any MediaNode.Type] = [RecognizerNode.self]
}
