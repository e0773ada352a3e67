import Synchronization

/// The process's speech decoders, kept between calls so the model loads once per process.
///
/// A recognizer borrows a decoder for one utterance and returns it. A new decoder is loaded only
/// when every existing one is busy (several calls transcribing at the same moment).
final class DecoderPool: Sendable {
    static let shared = DecoderPool()

    /// Decoders differ by model, and by how they normalise: whole utterances use batch cepstral
    /// mean normalisation (each utterance's own mean, whatever was decoded before), live
    /// decoding the running mean.
    private struct Key: Hashable {
        var model: SpeechModel
        var live: Bool
    }

    private struct State: ~Copyable {
        var idle: [Key: [SpeechDecoder]] = [:]
        var loaded = 0
        /// Model and search pairs a decoder has taken once (bounded by the distinct searches a
        /// process's pipelines name).
        var validated: Set<Validation> = []
    }

    private struct Validation: Hashable {
        var model: SpeechModel
        var search: RecognitionSearch
    }

    private let state = Mutex(State())

    /// How many decoders this process has loaded (each loads the model once).
    var loadedCount: Int { state.withLock { $0.loaded } }

    /// Runs `body` with a decoder for `model`, loading one if none is idle.
    func withDecoder<T>(for model: SpeechModel, _ body: (SpeechDecoder) throws(RecognizerError) -> T) throws(RecognizerError) -> T {
        let decoder = try checkOut(model, live: false)
        defer { checkIn(decoder, for: model, live: false) }
        return try body(decoder)
    }

    /// Lends a decoder for longer than one call (a live utterance decoded as it is spoken); give
    /// it back with ``checkIn(_:for:live:)``.
    func checkOut(_ model: SpeechModel, live: Bool) throws(RecognizerError) -> SpeechDecoder {
        if let idle = state.withLock({ $0.idle[Key(model: model, live: live)]?.popLast() }) { return idle }
        let decoder = try SpeechDecoder(model: model, live: live)
        state.withLock { $0.loaded += 1 }
        return decoder
    }

    /// Returns a decoder lent by ``checkOut(_:live:)``.
    func checkIn(_ decoder: SpeechDecoder, for model: SpeechModel, live: Bool) {
        state.withLock { $0.idle[Key(model: model, live: live), default: []].append(decoder) }
    }

    /// Loads a decoder ahead of time (at `start`), so the first utterance is not delayed and a
    /// broken model fails the graph before any audio flows.
    func preload(_ model: SpeechModel) throws(RecognizerError) {
        try withDecoder(for: model) { _ in }
    }

    /// Checks once per process that `model` loads and takes `search` (every word in the
    /// dictionary, the grammar parses). Later graphs with the same pair skip it: a graph starts
    /// on a media thread, and borrowing a decoder while every one is busy decoding would load
    /// another model there (a second or more, with the thread's other calls waiting).
    func validate(_ search: RecognitionSearch, for model: SpeechModel) throws(RecognizerError) {
        let pair = Validation(model: model, search: search)
        if state.withLock({ $0.validated.contains(pair) }) { return }
        try withDecoder(for: model) { decoder throws(RecognizerError) in try decoder.select(search) }
        state.withLock { _ = $0.validated.insert(pair) }
    }
}
