import DSP
import MediaCore

/// Cuts a stream of mono audio into utterances with a speech detector, keeping a little audio
/// before each start and after each end so the decoder sees the whole first and last phone.
struct UtteranceSegmenter {
    /// One utterance: its audio (with margins) and where the speech itself starts and ends.
    struct Utterance {
        var samples: [Int16]
        /// The stream position of `samples[0]` (the lead before the speech).
        var audioStart: Int64
        /// The first sample of speech, counted from the start of the stream.
        var start: Int64
        /// The sample after the last sample of speech.
        var end: Int64
    }

    private var detector: SpeechDetector
    private let lead: Int, tail: Int, maximum: Int
    /// Recent audio while not in an utterance (enough for the lead and the detector's start delay).
    private var history: [Int16] = []
    private var historyStart: Int64 = 0
    private var current: Utterance?
    /// How many samples of the utterance in progress ``takeNewAudio()`` has handed out.
    private var handedOut = 0
    /// Samples analyzed so far.
    private(set) var position: Int64 = 0

    /// Samples per analysis frame.
    var frameSize: Int { detector.frameSize }

    init(sampleRate: Int, configuration: SpeechDetector.Configuration,
         lead: Duration = .milliseconds(300), tail: Duration = .milliseconds(200), maximum: Duration = .seconds(30)) {
        detector = SpeechDetector(sampleRate: sampleRate, configuration: configuration)
        self.lead = lead.samples(atRate: sampleRate)
        self.tail = tail.samples(atRate: sampleRate)
        self.maximum = maximum.samples(atRate: sampleRate)
    }

    /// Analyzes one frame of ``frameSize`` samples; returns an utterance when one is complete.
    mutating func analyze(_ frame: UnsafeBufferPointer<Int16>) -> Utterance? {
        let transition = detector.analyze(frame.baseAddress!)
        let frameStart = position
        position += Int64(frame.count)
        if var utterance = current {
            current = nil   // mutate the only copy: no copy-on-write of the growing audio
            utterance.samples.append(contentsOf: frame)
            if utterance.samples.count >= maximum {
                // Speech that never pauses (or noise the detector keeps taking for speech) is
                // cut into pieces the decoder can handle.
                utterance.end = position
                current = Utterance(samples: [], audioStart: position, start: position, end: position)
                handedOut = 0
                return utterance
            }
            if case .stopped(let framesAgo) = transition {
                utterance.end = position - Int64((framesAgo + 1) * frame.count)
                // Keep `tail` samples after the end; the hang-over already holds them.
                let origin = position - Int64(utterance.samples.count)
                let keep = min(utterance.samples.count, Int(utterance.end + Int64(tail) - origin))
                utterance.samples.removeLast(utterance.samples.count - keep)
                current = nil
                history = Array(frame)
                historyStart = frameStart
                return utterance
            }
            current = utterance
        } else {
            history.append(contentsOf: frame)
            if case .started(let framesAgo) = transition {
                let speechStart = position - Int64((framesAgo + 1) * frame.count)
                let from = max(historyStart, speechStart - Int64(lead))
                current = Utterance(samples: Array(history[Int(from - historyStart)...]), audioStart: from,
                                    start: speechStart, end: position)
                handedOut = 0
                history.removeAll(keepingCapacity: true)
                historyStart = position
            } else {
                let limit = lead + 40 * frame.count
                if history.count > limit + frame.count * 10 {
                    let drop = history.count - limit
                    history.removeFirst(drop)
                    historyStart += Int64(drop)
                }
            }
        }
        return nil
    }

    /// The audio added to the utterance in progress since the last call (for partial results):
    /// nil when no utterance is in progress, else the new samples, where the utterance's speech
    /// starts and the stream position after the new samples.
    mutating func takeNewAudio() -> (samples: [Int16], speechStart: Int64, through: Int64)? {
        guard let count = current?.samples.count, count > handedOut, let utterance = current else { return nil }
        let from = handedOut
        handedOut = count
        return (Array(utterance.samples[from...]), utterance.start, utterance.audioStart + Int64(count))
    }

    /// Ends the stream: the utterance in progress, if any, ends here.
    mutating func finish() -> Utterance? {
        guard var utterance = current else { return nil }
        current = nil
        utterance.end = position
        return utterance
    }
}
