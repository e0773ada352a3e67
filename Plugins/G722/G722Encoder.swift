public import MediaCore
import CG722

/// `g722-encoder`: 16 kHz mono PCM → G.722 at 64 kbit/s (spandsp), one octet per two samples,
/// with timestamps and durations on the 8 kHz RTP clock of RFC 3551 §4.5.2 (see ``G722Codec``).
///
/// Input frames of any size are collected into packets of `frame-duration`.
public final class G722Encoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "g722-encoder", category: .codec,
        summary: "Encodes 16 kHz mono PCM as G.722 64 kbit/s (spandsp); RTP clock 8000 Hz as RFC 3551 §4.5.2 requires.",
        inputs: [PortSpec("sink", .pcm(rates: [G722Codec.sampleRate], channels: [1]))],
        outputs: [PortSpec("src", .encoded(.g722, clockRates: [G722Codec.rtpClockRate]))],
        parameters: [
            ParameterSpec("frame-duration", .duration, default: .duration(.milliseconds(20)), range: 0.01...0.12,
                          doc: "Audio per packet, in whole milliseconds (the RTP ptime)."),
        ],
        examples: ["sine rate=16000 duration=2s ! g722-encoder ! g722-decoder ! wav-recorder path=g722.wav"])

    /// Samples per packet at 16 kHz (always even: a whole number of milliseconds).
    private let packetSamples: Int
    private var state: OpaquePointer?
    private var pending: UnsafeMutablePointer<Int16>
    private var pendingCount = 0
    private var packetStart: MediaTime?
    private let pool = FramePool(byteCapacity: 1_024)

    public init(parameters: NodeParameters) throws(NodeError) {
        let duration = parameters.duration("frame-duration")
        let milliseconds = Int((duration.secondsDouble * 1_000).rounded())
        guard duration == .milliseconds(milliseconds) else {
            throw .configuration("g722-encoder: frame-duration must be a whole number of milliseconds, got \(duration)")
        }
        packetSamples = G722Codec.sampleRate / 1_000 * milliseconds
        pending = .allocate(capacity: packetSamples)
    }

    deinit {
        if let state { g722_encode_free(state) }
        pending.deallocate()
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [G722Codec.format] }

    public func start(_ context: NodeContext) throws(NodeError) {
        guard let encoder = g722_encode_init(nil, G722Codec.bitRate, 0) else {
            throw .runtime("spandsp could not create a G.722 encoder")
        }
        state = encoder
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state else { return .notLinked }
        var result = FlowResult.ok
        let samples = frame.int16, count = frame.byteCount / 2
        var offset = 0
        while offset < count {
            if pendingCount == 0 { packetStart = frame.timestamp.advanced(by: offset) }
            let take = min(packetSamples - pendingCount, count - offset)
            (pending + pendingCount).update(from: samples + offset, count: take)
            pendingCount += take
            offset += take
            guard pendingCount == packetSamples else { break }
            result = try emit(state, context: context)
        }
        return result
    }

    private func emit(_ state: OpaquePointer, context: NodeContext) throws(NodeError) -> FlowResult {
        pendingCount = 0
        let out = pool.acquire(minimumCapacity: packetSamples / 2)
        let written = Int(g722_encode(state, out.uint8, pending, Int32(packetSamples)))
        // RFC 3551 §4.5.2: timestamps and durations in 8 kHz ticks, one per octet.
        let start = (packetStart ?? .zero(clockRate: G722Codec.sampleRate)).converted(to: G722Codec.rtpClockRate)
        return try context.push(Frame(buffer: out, byteCount: written, sampleCount: written, timestamp: start))
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, let state, pendingCount > 0 {
            (pending + pendingCount).update(repeating: 0, count: packetSamples - pendingCount)
            _ = try emit(state, context: context)
        }
        if event == .endOfStream, !context.allInputsEnded { return }
        try context.forward(event)
    }
}
