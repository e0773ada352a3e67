import DSP
import MediaCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The recognizer's decoding side: turns utterances (and, for partial results, the audio of the
/// utterance in progress) into posted events. Runs only on the node's serial worker queue.
final class Transcriber: @unchecked Sendable {
    /// What the node asked for.
    struct Settings: Sendable {
        var model: SpeechModel
        var search: RecognitionSearch
        /// The input's sample rate (8 kHz input is upsampled for the 16 kHz model).
        var rate: Int
        /// Hypotheses to list per utterance (1 = just the best).
        var alternatives: Int
    }

    let settings: Settings
    private let messenger: NodeMessenger?
    private let widener = BandExtension()
    /// The decoder lent for the utterance in progress while partial results are on.
    private var live: SpeechDecoder?
    private var lastPartial = ""
    private let counters = Counters()

    /// What the worker reports back to the graph's executor.
    final class Counters: Sendable {
        private struct State {
            var utterances = 0
            var audio = 0.0
            var decoding = Duration.zero
            var failure: String?
        }
        private let state = Mutex(State())
        var utterances: Int { state.withLock { $0.utterances } }
        var failure: String? { state.withLock { $0.failure } }
        /// Seconds of utterance audio decoded and the processor time the final decoding took.
        var speed: (audio: Double, decoding: Duration) { state.withLock { ($0.audio, $0.decoding) } }
        func decoded(seconds: Double, in time: Duration) {
            state.withLock {
                $0.utterances += 1
                $0.audio += seconds
                $0.decoding += time
            }
        }
        func failed(_ message: String) { state.withLock { $0.failure = message } }
    }

    var results: Counters { counters }

    init(settings: Settings, messenger: NodeMessenger?) {
        self.settings = settings
        self.messenger = messenger
    }

    /// 16 kHz audio for the model: 8 kHz telephone audio is widened (``BandExtension``).
    private func modelRate(_ samples: [Int16]) -> [Int16] {
        settings.rate < SpeechModel.sampleRate ? widener.widen(samples) : samples
    }

    /// Decodes a finished utterance and posts what it says.
    func finish(_ utterance: UtteranceSegmenter.Utterance) {
        endLive()
        let began = Self.threadCPUTime()
        let samples = modelRate(utterance.samples)
        do throws(RecognizerError) {
            let hypothesis = try DecoderPool.shared.withDecoder(for: settings.model) { decoder throws(RecognizerError) in
                try decoder.select(settings.search)
                return decoder.decode(samples, alternatives: settings.alternatives)
            }
            counters.decoded(seconds: Double(utterance.samples.count) / Double(settings.rate), in: Self.threadCPUTime() - began)
            post(hypothesis, of: utterance)
        } catch {
            counters.failed(error.description)
        }
    }

    /// The processor time this thread has used: what decoding costs, whatever else the machine
    /// is doing (wall time on a shared machine counts the other processes too).
    static func threadCPUTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    /// Feeds more audio of the utterance in progress to a live decoder and posts the partial
    /// hypothesis when it changed.
    func hear(_ samples: [Int16], speechStart: Int64, through: Int64) {
        do throws(RecognizerError) {
            let decoder: SpeechDecoder
            if let live {
                decoder = live
            } else {
                decoder = try DecoderPool.shared.checkOut(settings.model, live: true)
                live = decoder
                lastPartial = ""
                do throws(RecognizerError) { try decoder.select(settings.search) } catch {
                    endLive()
                    throw error
                }
                decoder.startLive()
            }
            decoder.processRaw(modelRate(samples))
            let text = decoder.partialText()
            guard !text.isEmpty, text != lastPartial else { return }
            lastPartial = text
            messenger?.post(.recognizing(text: text, start: MediaTime(sample: speechStart, clockRate: settings.rate),
                                         at: MediaTime(sample: through, clockRate: settings.rate)))
        } catch {
            counters.failed(error.description)
        }
    }

    /// Ends the live decoding of the utterance in progress, if any, and returns its decoder.
    func endLive() {
        guard let live else { return }
        live.endLive()
        DecoderPool.shared.checkIn(live, for: settings.model, live: true)
        self.live = nil
    }

    private func post(_ hypothesis: SpeechDecoder.Hypothesis, of utterance: UtteranceSegmenter.Utterance) {
        let rate = settings.rate
        func time(_ frame: Int) -> MediaTime {
            MediaTime(sample: utterance.audioStart + Int64(frame * rate / SpeechDecoder.frameRate), clockRate: rate)
        }
        let words = hypothesis.words.map {
            Recognition.Word(text: $0.text, start: time($0.startFrame), end: time($0.endFrame), confidence: $0.confidence)
        }
        if case .keyphrase = settings.search {
            // Each detection is an event of its own, timed by where the phrase was heard.
            for word in words {
                messenger?.post(.recognized(text: word.text, start: word.start, end: word.end,
                                            details: Recognition(score: word.confidence, words: [word], isKeyphrase: true)))
            }
            return
        }
        guard !hypothesis.text.isEmpty else { return }
        let details = Recognition(score: hypothesis.score, words: words,
                                  alternatives: settings.alternatives > 1 ? hypothesis.alternatives : [])
        messenger?.post(.recognized(text: hypothesis.text, start: MediaTime(sample: utterance.start, clockRate: rate),
                                    end: MediaTime(sample: utterance.end, clockRate: rate), details: details))
    }
}
