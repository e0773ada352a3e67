public import MediaCore
import CG722

/// `g722-decoder`: G.722 64 kbit/s → 16 kHz mono PCM (spandsp). Input timestamps and durations
/// are on the 8 kHz RTP clock of RFC 3551 §4.5.2, so each octet becomes two samples and each
/// timestamp doubles (see ``G722Codec``). A frame flagged missing is concealed by repeating the
/// last pitch period (``WaveformConcealer``).
public final class G722Decoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "g722-decoder", category: .codec,
        summary: "Decodes G.722 64 kbit/s (spandsp) to 16 kHz mono PCM; conceals lost frames by pitch repetition.",
        inputs: [PortSpec("sink", .encoded(.g722, clockRates: [G722Codec.rtpClockRate]))],
        outputs: [PortSpec("src", .pcm(rates: [G722Codec.sampleRate], channels: [1]))],
        examples: ["sine rate=16000 duration=1s ! g722-encoder ! g722-decoder ! wav-recorder path=g722.wav",
                   "@rtp-in ! jitter-buffer ! g722-decoder ! recognizer"])

    private var state: OpaquePointer?
    private var concealer = WaveformConcealer(sampleRate: G722Codec.sampleRate)
    private let pool = FramePool(byteCapacity: 2 * 16 * 120)
    private var decoded = 0, concealed = 0

    public init(parameters: NodeParameters) {}

    deinit {
        if let state { g722_decode_free(state) }
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [.mono16(G722Codec.sampleRate)] }

    public func start(_ context: NodeContext) throws(NodeError) {
        guard let decoder = g722_decode_init(nil, G722Codec.bitRate, 0) else {
            throw .runtime("spandsp could not create a G.722 decoder")
        }
        state = decoder
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state else { return .notLinked }
        let timestamp = frame.timestamp.converted(to: G722Codec.sampleRate)
        var flags = frame.flags
        let count: Int, out: FrameBuffer
        if frame.flags.contains(.missing) {
            count = frame.sampleCount * 2
            out = pool.acquire(minimumCapacity: count * 2)
            concealer.conceal(into: out.int16, count: count)
            flags.remove([.missing, .nextPacketAttached])
            flags.insert(.concealed)
            concealed += 1
        } else {
            out = pool.acquire(minimumCapacity: frame.byteCount * 4)
            count = Int(g722_decode(state, out.int16, frame.uint8, Int32(frame.byteCount)))
            concealer.received(out.int16, count: count)
            decoded += 1
        }
        return try context.push(Frame(buffer: out, byteCount: count * 2, sampleCount: count, timestamp: timestamp, flags: flags))
    }

    public var summary: String? { "decoded \(decoded) packet(s), concealed \(concealed)" }
}
