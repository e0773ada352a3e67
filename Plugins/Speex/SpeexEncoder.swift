public import MediaCore
import CSpeex

/// `speex-encoder`: PCM → Speex (RFC 5574), 20 ms frames, one or more frames per packet.
///
/// Input frames of any size are collected into 20 ms Speex frames, so the node works after a
/// resampler or a file player as well as after a 20 ms clock.
public final class SpeexEncoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "speex-encoder", category: .codec,
        summary: "Encodes 16-bit mono PCM as Speex narrowband, wideband or ultra-wideband (RFC 5574).",
        inputs: [PortSpec("sink", .pcm(rates: [8_000, 16_000, 32_000], channels: [1]))],
        outputs: [PortSpec("src", .encoded(.speex, clockRates: [8_000, 16_000, 32_000]))],
        parameters: [
            ParameterSpec("mode", .choice(["auto", "nb", "wb", "uwb"]), default: .string("auto"),
                          doc: "Band: nb (8 kHz), wb (16 kHz), uwb (32 kHz); auto follows the input rate."),
            ParameterSpec("quality", .int, default: .int(8), range: 0...10, doc: "Encoding quality (8 ≈ 15 kbit/s NB)."),
            ParameterSpec("complexity", .int, default: .int(3), range: 1...10, doc: "Encoder search effort."),
            ParameterSpec("vbr", .bool, default: .bool(false), doc: "Variable bit rate."),
            ParameterSpec("high-pass", .bool, default: .bool(true),
                          doc: "Speex's input high-pass filter (removes DC and rumble; shifts the phase of low tones)."),
            ParameterSpec("frames-per-packet", .int, default: .int(1), range: 1...10,
                          doc: "20 ms frames per output packet (the RTP ptime is 20 ms × this)."),
        ],
        examples: ["sine rate=16000 duration=2s ! speex-encoder mode=wb ! speex-decoder ! wav-recorder path=wb.wav"])

    private let fixedMode: SpeexMode?
    private let quality: Int32, complexity: Int32, vbr: Bool
    private let framesPerPacket: Int
    private let highPass: Bool
    private var mode = SpeexMode.nb
    private var state: OpaquePointer?
    private var bits = SpeexBits()
    private var pending: UnsafeMutablePointer<Int16>?
    private var pendingCount = 0
    private var framesInPacket = 0
    private var packetStart: MediaTime?
    private let pool = FramePool(byteCapacity: 1_024)

    public init(parameters: NodeParameters) {
        fixedMode = SpeexMode(rawValue: parameters.string("mode") ?? "auto")
        quality = Int32(parameters.int("quality"))
        complexity = Int32(parameters.int("complexity"))
        vbr = parameters.bool("vbr")
        framesPerPacket = parameters.int("frames-per-packet")
        highPass = parameters.bool("high-pass")
    }

    deinit {
        if let state { speex_encoder_destroy(UnsafeMutableRawPointer(state)) }
        speex_bits_destroy(&bits)
        pending?.deallocate()
    }

    public func acceptedFormats(forInput port: Int) -> FormatConstraint {
        guard let fixedMode else { return Self.descriptor.inputs[0].formats }
        return .pcm(rates: [fixedMode.sampleRate], channels: [1])
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard let rate = negotiation.inputs.first?.clockRate, let mode = SpeexMode(sampleRate: rate) else {
            throw .format("speex-encoder needs 8, 16 or 32 kHz mono PCM")
        }
        self.mode = mode
        return [mode.format]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        guard let raw = speex_encoder_init(speex_lib_get_mode(mode.id)) else {
            throw .runtime("libspeex could not create a \(mode.rawValue) encoder")
        }
        state = OpaquePointer(raw)
        var value = quality
        speex_encoder_ctl(raw, SPEEX_SET_QUALITY, &value)
        value = complexity
        speex_encoder_ctl(raw, SPEEX_SET_COMPLEXITY, &value)
        value = vbr ? 1 : 0
        speex_encoder_ctl(raw, SPEEX_SET_VBR, &value)
        var highPass: Int32 = self.highPass ? 1 : 0
        speex_encoder_ctl(raw, SPEEX_SET_HIGHPASS, &highPass)
        speex_bits_init(&bits)
        pending = .allocate(capacity: mode.frameSize)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state, let pending else { return .notLinked }
        let frameSize = mode.frameSize
        var result = FlowResult.ok
        var offset = 0
        let samples = frame.int16
        let count = frame.byteCount / 2
        while offset < count {
            if pendingCount == 0, framesInPacket == 0 {
                packetStart = frame.timestamp.advanced(by: offset)
            }
            let take = min(frameSize - pendingCount, count - offset)
            (pending + pendingCount).update(from: samples + offset, count: take)
            pendingCount += take
            offset += take
            guard pendingCount == frameSize else { break }
            // speex_encode_int takes a mutable pointer (it does not write through it).
            speex_encode_int(UnsafeMutableRawPointer(state), pending, &bits)
            pendingCount = 0
            framesInPacket += 1
            if framesInPacket == framesPerPacket {
                result = try emitPacket(context)
            }
        }
        return result
    }

    private func emitPacket(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let out = pool.acquire(minimumCapacity: 256 * framesPerPacket)
        let written = out.bytes.withMemoryRebound(to: CChar.self, capacity: out.capacity) {
            speex_bits_write(&bits, $0, Int32(out.capacity))
        }
        speex_bits_reset(&bits)
        let samples = framesInPacket * mode.frameSize
        framesInPacket = 0
        return try context.push(Frame(buffer: out, byteCount: Int(written), sampleCount: samples,
                                      timestamp: packetStart ?? .zero(clockRate: mode.sampleRate)))
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, framesInPacket > 0 { _ = try emitPacket(context) }
        if event == .endOfStream, !context.allInputsEnded { return }
        try context.forward(event)
    }
}
