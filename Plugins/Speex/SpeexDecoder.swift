public import MediaCore
import CSpeex

/// `speex-decoder`: Speex → 16-bit mono PCM. A frame flagged missing is concealed with Speex's
/// own packet-loss concealment, so the output timeline has no gaps.
public final class SpeexDecoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "speex-decoder", category: .codec,
        summary: "Decodes Speex (RFC 5574) to 16-bit mono PCM, concealing lost frames with Speex's PLC.",
        inputs: [PortSpec("sink", .encoded(.speex, clockRates: [8_000, 16_000, 32_000]))],
        outputs: [PortSpec("src", .pcm(rates: [8_000, 16_000, 32_000], channels: [1]))],
        parameters: [ParameterSpec("enhance", .bool, default: .bool(true), doc: "Perceptual enhancement."),
                     ParameterSpec("high-pass", .bool, default: .bool(true), doc: "Speex's output high-pass filter.")],
        examples: ["sine rate=8000 duration=2s ! speex-encoder ! speex-decoder ! null-sink"])

    private let enhance: Bool
    private let highPass: Bool
    private var mode = SpeexMode.nb
    private var state: OpaquePointer?
    private var bits = SpeexBits()
    private let pool = FramePool(byteCapacity: 2 * 640 * 4)

    /// The largest number of frames decoded from one packet (RFC 5574 allows several).
    static let maximumFramesPerPacket = 16

    public init(parameters: NodeParameters) {
        enhance = parameters.bool("enhance")
        highPass = parameters.bool("high-pass")
    }

    deinit {
        if let state { speex_decoder_destroy(UnsafeMutableRawPointer(state)) }
        speex_bits_destroy(&bits)
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard let rate = negotiation.inputs.first?.clockRate, let mode = SpeexMode(sampleRate: rate) else {
            throw .format("speex-decoder needs Speex at 8, 16 or 32 kHz")
        }
        self.mode = mode
        return [.mono16(mode.sampleRate)]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        guard let raw = speex_decoder_init(speex_lib_get_mode(mode.id)) else {
            throw .runtime("libspeex could not create a \(mode.rawValue) decoder")
        }
        state = OpaquePointer(raw)
        var value: Int32 = enhance ? 1 : 0
        speex_decoder_ctl(raw, SPEEX_SET_ENH, &value)
        var highPass: Int32 = self.highPass ? 1 : 0
        speex_decoder_ctl(raw, SPEEX_SET_HIGHPASS, &highPass)
        speex_bits_init(&bits)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state else { return .notLinked }
        let frameSize = mode.frameSize
        let raw = UnsafeMutableRawPointer(state)
        if frame.flags.contains(.missing) {
            let frames = max(1, (frame.sampleCount + frameSize - 1) / frameSize)
            let out = pool.acquire(minimumCapacity: frames * frameSize * 2)
            for i in 0..<frames { speex_decode_int(raw, nil, out.int16 + i * frameSize) }
            var flags = frame.flags
            flags.remove(.missing)
            flags.insert(.concealed)
            return try context.push(Frame(buffer: out, byteCount: frames * frameSize * 2, sampleCount: frames * frameSize,
                                          timestamp: frame.timestamp, flags: flags))
        }
        frame.bytes.withMemoryRebound(to: CChar.self) { bytes in
            speex_bits_read_from(&bits, UnsafeMutablePointer(mutating: bytes.baseAddress), Int32(bytes.count))
        }
        let out = pool.acquire(minimumCapacity: Self.maximumFramesPerPacket * frameSize * 2)
        var frames = 0
        while frames < Self.maximumFramesPerPacket, speex_bits_remaining(&bits) >= 5 {
            if speex_decode_int(raw, &bits, out.int16 + frames * frameSize) != 0 { break }
            frames += 1
        }
        guard frames > 0 else { return .ok }
        return try context.push(Frame(buffer: out, byteCount: frames * frameSize * 2, sampleCount: frames * frameSize,
                                      timestamp: frame.timestamp, flags: frame.flags))
    }
}
