public import MediaCore
import CSpeexDSP

/// `resample`: converts PCM between any two sample rates with the SpeexDSP resampler.
///
/// The output is time-aligned with the input (the filter's start-up delay is skipped) and the
/// total length is exact: at end of stream the filter is flushed and the output trimmed so that
/// N input samples give exactly ⌊N·out/in⌋ output samples (60 s at 44.1 kHz → 480,000 at 8 kHz).
public final class Resampler: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "resample", category: .filter,
        summary: "Changes the sample rate of 16-bit PCM (any rate pair, exact lengths).",
        inputs: [PortSpec("sink", .anyPCM())],
        outputs: [PortSpec("src", .anyPCM())],
        parameters: [
            ParameterSpec("rate", .sampleRate, range: 1_000...192_000,
                          doc: "Output rate in Hz; when unset, the rate the next node needs (else the input rate)."),
            ParameterSpec("quality", .int, default: .int(4), range: 0...10,
                          doc: "Filter quality: 3 for voice calls, 4 default, 10 best."),
        ],
        examples: ["wav-player path=music.wav ! resample rate=8000 ! pcmu-encoder ! null-sink",
                   "sine rate=44100 duration=1s ! resample ! pcmu-encoder ! null-sink"])

    private let requestedRate: Int?
    private let quality: Int32
    private var inRate = 8_000, outRate = 8_000, channels = 1
    private var state: OpaquePointer?
    private var consumed: Int64 = 0
    private var produced: Int64 = 0
    private let pool = FramePool(byteCapacity: 8_192)

    public init(parameters: NodeParameters) {
        requestedRate = parameters.isSet("rate") ? parameters.int("rate") : nil
        quality = Int32(parameters.int("quality"))
    }

    deinit { if let state { speex_resampler_destroy(state) } }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard case .pcm(let rate, let channels, .int16)? = negotiation.inputs.first else {
            throw .format("resample needs 16-bit PCM")
        }
        inRate = rate
        self.channels = channels
        if let requestedRate {
            outRate = requestedRate
        } else if case .pcm(let wanted, _, _)? = negotiation.downstream.first?.fixate(preferring: .pcm(sampleRate: rate, channels: channels, sample: .int16)) {
            outRate = wanted
        } else {
            outRate = rate
        }
        return [.pcm(sampleRate: outRate, channels: channels, sample: .int16)]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        guard inRate != outRate else { return }
        var error: Int32 = 0
        guard let resampler = speex_resampler_init(UInt32(channels), UInt32(inRate), UInt32(outRate), quality, &error) else {
            throw .runtime("SpeexDSP could not create a \(inRate) → \(outRate) Hz resampler (error \(error))")
        }
        state = resampler
        speex_resampler_skip_zeros(resampler)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state else { return try context.push(frame) }  // equal rates: pass through
        let inFrames = frame.sampleCount
        consumed += Int64(inFrames)
        return try run(state, input: frame.int16, frames: inFrames, flags: frame.flags, context: context, limit: nil)
    }

    /// Feeds `frames` input frames; pushes what comes out (at most `limit` output frames).
    private func run(_ state: OpaquePointer, input: UnsafePointer<Int16>, frames: Int, flags: Frame.Flags,
                     context: NodeContext, limit: Int64?) throws(NodeError) -> FlowResult {
        let capacity = (frames * outRate + inRate - 1) / inRate + 32
        let out = pool.acquire(minimumCapacity: capacity * channels * 2)
        var inLength = UInt32(frames), outLength = UInt32(capacity)
        speex_resampler_process_interleaved_int(state, input, &inLength, out.int16, &outLength)
        var count = Int(outLength)
        if let limit { count = Int(min(Int64(count), max(limit - produced, 0))) }
        guard count > 0 else { return .ok }
        let timestamp = MediaTime(sample: produced, clockRate: outRate)
        produced += Int64(count)
        return try context.push(Frame(buffer: out, byteCount: count * channels * 2, sampleCount: count,
                                      timestamp: timestamp, flags: flags))
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, let state {
            // Flush the filter's delay with silence, then trim to the exact length.
            let expected = consumed * Int64(outRate) / Int64(inRate)
            let latency = Int(speex_resampler_get_input_latency(state)) + 1
            let zeros = [Int16](repeating: 0, count: latency * channels)
            var rounds = 0
            while produced < expected, rounds < 64 {
                _ = try zeros.withUnsafeBufferPointer { (buffer) throws(NodeError) -> FlowResult in
                    try run(state, input: buffer.baseAddress!, frames: latency, flags: [], context: context, limit: expected)
                }
                rounds += 1
            }
        }
        if event == .flush, let state { speex_resampler_reset_mem(state); speex_resampler_skip_zeros(state) }
        try context.forward(event)
    }
}

/// The SpeexDSP nodes.
public enum SpeexDSPPlugin: MediaPlugin {
    public static let name = "speexdsp"
    public static let nodeTypes: [any MediaNode.Type] = [Resampler.self, Preprocessor.self, EchoCanceller.self]
}
