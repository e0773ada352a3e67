public import MediaCore
import COpus

/// `opus-encoder`: PCM → Opus (RFC 6716), packets of 10, 20, 40 or 60 ms on the RTP clock of
/// 48 kHz (RFC 7587 §4.1), whatever the input rate.
///
/// Input frames of any size are collected into Opus frames, so the node works after a
/// resampler or a file player as well as after a 20 ms clock. Timestamps and durations on the
/// output are in 48 kHz ticks: a 20 ms packet from 16 kHz input covers 960 ticks.
///
/// With `dtx`, the encoder marks frames of silence with packets of one or two bytes; those are
/// not sent (RFC 7587 §3.1.3), so the stream has gaps in its timeline, as on the wire.
public final class OpusEncoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "opus-encoder", category: .codec,
        summary: "Encodes 8–48 kHz mono or stereo PCM as Opus (RFC 6716) on the 48 kHz RTP clock (RFC 7587).",
        inputs: [PortSpec("sink", .pcm(rates: OpusCodec.sampleRates, channels: [1, 2]))],
        outputs: [PortSpec("src", .encoded(.opus, clockRates: [OpusCodec.rtpClockRate]))],
        parameters: [
            ParameterSpec("bitrate", .int, default: .int(0), range: 0...510_000,
                          doc: "Target bit rate in bit/s (6000–510000); 0 lets libopus choose for the rate and channels."),
            ParameterSpec("complexity", .int, default: .int(5), range: 0...10, doc: "Encoder search effort (CPU against quality)."),
            ParameterSpec("application", .choice(["voip", "audio", "lowdelay"]), default: .string("voip"),
                          doc: "voip favours speech intelligibility, audio fidelity, lowdelay the lowest delay (CELT only)."),
            ParameterSpec("vbr", .bool, default: .bool(true), doc: "Variable bit rate (constrained); false codes at a constant bit rate."),
            ParameterSpec("dtx", .bool, default: .bool(false),
                          doc: "Discontinuous transmission: silence is sent as rare comfort-noise updates instead of every frame."),
            ParameterSpec("fec", .bool, default: .bool(false),
                          doc: "In-band forward error correction: each packet also carries a coarse copy of the previous one "
                              + "(SILK and hybrid modes, and only when expected-loss is above 0)."),
            ParameterSpec("expected-loss", .percent, default: .percent(0), range: 0...1,
                          doc: "The packet loss the encoder prepares for (sizes the FEC data; makes frames less dependent)."),
            ParameterSpec("frame-duration", .duration, default: .duration(.milliseconds(20)), range: 0.01...0.06,
                          doc: "Audio per packet: 10, 20, 40 or 60 ms (the RTP ptime)."),
            ParameterSpec("max-bandwidth", .choice(["auto", "nb", "mb", "wb", "swb", "fb"]), default: .string("auto"),
                          doc: "The widest audio band coded: nb 4 kHz, mb 6, wb 8, swb 12, fb 20 kHz (a peer's maxplaybackrate)."),
            ParameterSpec("mono", .bool, default: .bool(false),
                          doc: "Code a stereo input as mono (for a receiver that asked for stereo=0)."),
        ],
        examples: ["sine rate=48000 duration=2s ! opus-encoder bitrate=32000 ! opus-decoder ! wav-recorder path=opus.wav",
                   "tts text=\"hello\" ! resample rate=16000 ! opus-encoder fec=true expected-loss=10% ! opus-decoder ! null-sink"])

    private let settings: OpusEncoderSettings
    private var rate = OpusCodec.rtpClockRate
    private var channels = 1
    private var state: OpaquePointer?
    /// Samples per channel in one Opus frame at the input rate.
    private var frameSize = 960
    private var pending: UnsafeMutablePointer<Int16>?
    private var pendingCount = 0
    private var packetStart: MediaTime?
    private let pool = FramePool(byteCapacity: OpusCodec.maximumPacketBytes)
    private var packets = 0, suppressed = 0, octets = 0

    public init(parameters: NodeParameters) throws(NodeError) {
        settings = try OpusEncoderSettings(parameters)
    }

    deinit {
        if let state { opus_encoder_destroy(state) }
        pending?.deallocate()
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard case .pcm(let rate, let channels, .int16)? = negotiation.inputs.first, OpusCodec.sampleRates.contains(rate),
              (1...2).contains(channels) else {
            throw .format("opus-encoder needs 16-bit mono or stereo PCM at 8, 12, 16, 24 or 48 kHz")
        }
        self.rate = rate
        self.channels = channels
        return [OpusCodec.format]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        var error: Int32 = 0
        guard let encoder = opus_encoder_create(Int32(rate), Int32(channels), settings.application.code, &error), error == OPUS_OK else {
            throw .runtime("libopus could not create an encoder for \(rate) Hz \(channels == 1 ? "mono" : "stereo"): "
                           + OpusCodec.errorText(error))
        }
        state = encoder
        try settings.apply(to: encoder, channels: channels)
        frameSize = rate * settings.frameMilliseconds / 1_000
        pending = .allocate(capacity: frameSize * channels)
    }

    /// The encoder's look-ahead in samples at the input rate (its algorithmic delay).
    public var lookahead: Int {
        guard let state else { return 0 }
        var value: Int32 = 0
        _ = callwire_opus_get_lookahead(state, &value)
        return Int(value)
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state, let pending else { return .notLinked }
        var result = FlowResult.ok
        let samples = frame.int16
        let count = frame.byteCount / (2 * channels)   // sample frames (per channel)
        var offset = 0
        while offset < count {
            if pendingCount == 0 { packetStart = frame.timestamp.advanced(by: offset) }
            let take = min(frameSize - pendingCount, count - offset)
            (pending + pendingCount * channels).update(from: samples + offset * channels, count: take * channels)
            pendingCount += take
            offset += take
            guard pendingCount == frameSize else { break }
            result = try encode(state, pending, context: context)
        }
        return result
    }

    private func encode(_ state: OpaquePointer, _ pcm: UnsafeMutablePointer<Int16>, context: NodeContext) throws(NodeError) -> FlowResult {
        pendingCount = 0
        let out = pool.acquire()
        let written = opus_encode(state, pcm, Int32(frameSize), out.uint8, Int32(out.capacity))
        guard written >= 0 else { throw .runtime("opus_encode failed: \(OpusCodec.errorText(written))") }
        // RFC 7587 §3.1.3: with DTX, packets of one or two bytes need not be transmitted.
        if settings.dtx, written <= 2 {
            suppressed += 1
            return .ok
        }
        packets += 1
        octets += Int(written)
        let start = (packetStart ?? .zero(clockRate: rate)).converted(to: OpusCodec.rtpClockRate)
        return try context.push(Frame(buffer: out, byteCount: Int(written),
                                      sampleCount: frameSize * OpusCodec.rtpClockRate / rate, timestamp: start))
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, let state, let pending, pendingCount > 0 {
            // The last partial frame, padded with silence.
            (pending + pendingCount * channels).update(repeating: 0, count: (frameSize - pendingCount) * channels)
            _ = try encode(state, pending, context: context)
        }
        if event == .endOfStream, !context.allInputsEnded { return }
        try context.forward(event)
    }

    public var summary: String? {
        guard packets > 0 else { return nil }
        let seconds = Double(packets * settings.frameMilliseconds) / 1_000
        return "\(packets) packet(s), \(Int((Double(octets * 8) / seconds / 100).rounded()) / 10) kbit/s while sending"
            + (suppressed > 0 ? ", \(suppressed) silent frame(s) not sent (DTX)" : "")
    }
}
