public import MediaCore
import COpus

/// `opus-decoder`: Opus → 16-bit PCM at 8–48 kHz, mono or stereo, whatever the stream was coded
/// at (libopus resamples and mixes internally).
///
/// Lost packets arrive as `.missing` frames from the jitter buffer. When the packet after the
/// gap has already arrived, the jitter buffer attaches it (``Frame/Flags/nextPacketAttached``)
/// and the decoder recovers the lost audio from that packet's in-band FEC data (RFC 6716
/// §2.1.7; libopus `decode_fec`), which the sender includes when it was asked for
/// `useinbandfec=1` (RFC 7587 §6.1). Otherwise it conceals the gap with Opus's own packet loss
/// concealment, for at most 120 ms of one gap, then silence (a held call must fall silent). The
/// output timeline has no gaps either way.
public final class OpusDecoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "opus-decoder", category: .codec,
        summary: "Decodes Opus (RFC 6716) to 8–48 kHz PCM; recovers lost packets from in-band FEC, else conceals (PLC).",
        inputs: [PortSpec("sink", .encoded(.opus, clockRates: [OpusCodec.rtpClockRate]))],
        outputs: [PortSpec("src", .pcm(rates: OpusCodec.sampleRates, channels: [1, 2]))],
        parameters: [
            ParameterSpec("rate", .sampleRate, default: .int(0), range: 0...48_000,
                          doc: "Output rate (8000, 12000, 16000, 24000 or 48000); 0 = what downstream takes, 48000 if anything."),
            ParameterSpec("channels", .int, default: .int(0), range: 0...2,
                          doc: "Output channels; 0 = what downstream takes, mono if anything (stereo streams are mixed down)."),
            ParameterSpec("fec", .bool, default: .bool(true),
                          doc: "Recover a lost packet from the FEC data of the packet after it, when the jitter buffer has it."),
        ],
        examples: ["@rtp-in ! jitter-buffer ! opus-decoder rate=16000 ! recognizer",
                   "sine rate=48000 duration=1s ! opus-encoder ! opus-decoder ! null-sink"])

    private let requestedRate: Int, requestedChannels: Int
    private let useFEC: Bool
    private var rate = OpusCodec.rtpClockRate
    private var channels = 1
    private var state: OpaquePointer?
    private let pool = FramePool(byteCapacity: OpusCodec.rtpClockRate * OpusCodec.maximumPacketMilliseconds / 1_000 * 2 * 2)
    private var decoded = 0, concealed = 0, recovered = 0, corrupt = 0
    /// Samples concealed since the last packet: a long gap (a held call, a dead network) fades
    /// to silence instead of PLC's drawn-out extrapolation.
    private var lossRun = 0
    /// How long PLC runs in one gap before the output goes silent.
    static let concealmentLimit = Duration.milliseconds(120)

    public init(parameters: NodeParameters) throws(NodeError) {
        requestedRate = parameters.int("rate")
        requestedChannels = parameters.int("channels")
        useFEC = parameters.bool("fec")
        guard requestedRate == 0 || OpusCodec.sampleRates.contains(requestedRate) else {
            throw .configuration("opus-decoder: rate must be 8000, 12000, 16000, 24000 or 48000, got \(requestedRate)")
        }
    }

    deinit {
        if let state { opus_decoder_destroy(state) }
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        let rates = requestedRate == 0 ? OpusCodec.sampleRates : [requestedRate]
        let counts = requestedChannels == 0 ? [1, 2] : [requestedChannels]
        let ours = FormatConstraint.pcm(rates: rates, channels: counts)
        let wanted = negotiation.downstream.first.map { $0.intersection(ours) } ?? ours
        let preferred = MediaFormat.pcm(sampleRate: rates[0], channels: counts[0], sample: .int16)
        let format = wanted.fixate(preferring: preferred) ?? preferred
        rate = format.clockRate
        channels = format.channels
        return [format]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        var error: Int32 = 0
        guard let decoder = opus_decoder_create(Int32(rate), Int32(channels), &error), error == OPUS_OK else {
            throw .runtime("libopus could not create a decoder for \(rate) Hz: \(OpusCodec.errorText(error))")
        }
        state = decoder
    }

    /// Samples per channel in the longest packet, at the output rate.
    private var maximumSamples: Int { rate * OpusCodec.maximumPacketMilliseconds / 1_000 }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state else { return .notLinked }
        let out = pool.acquire()
        let timestamp = frame.timestamp.converted(to: rate)
        if frame.flags.contains(.missing) {
            let count = frame.sampleCount * rate / OpusCodec.rtpClockRate
            let withFEC = useFEC && frame.flags.contains(.nextPacketAttached) && frame.byteCount > 0
            let written = withFEC ? recover(state, from: frame, count: count, into: out.int16)
                : conceal(state, count: count, into: out.int16)
            var flags = frame.flags
            flags.remove([.missing, .nextPacketAttached])
            flags.insert(.concealed)
            return try context.push(Frame(buffer: out, byteCount: written * channels * 2, sampleCount: written,
                                          timestamp: timestamp, flags: flags))
        }
        lossRun = 0
        var count = Int(opus_decode(state, frame.uint8, Int32(frame.byteCount), out.int16, Int32(maximumSamples), 0))
        var flags = frame.flags
        if count < 0 {
            // A corrupt packet: conceal its interval rather than stop the call.
            corrupt += 1
            count = conceal(state, count: frame.sampleCount * rate / OpusCodec.rtpClockRate, into: out.int16)
            flags.insert(.concealed)
        } else {
            decoded += 1
        }
        return try context.push(Frame(buffer: out, byteCount: count * channels * 2, sampleCount: count,
                                      timestamp: timestamp, flags: flags))
    }

    /// Decodes the lost interval from the FEC data of the packet after it (libopus decodes
    /// `count` samples, concealing whatever the FEC data does not cover).
    private func recover(_ state: OpaquePointer, from next: Frame, count: Int, into out: UnsafeMutablePointer<Int16>) -> Int {
        let quantum = rate / 400, wanted = min(max(count - count % quantum, quantum), maximumSamples)
        let written = opus_decode(state, next.uint8, Int32(next.byteCount), out, Int32(wanted), 1)
        guard written > 0 else { return conceal(state, count: count, into: out) }
        recovered += 1
        return Int(written)
    }

    /// Packet loss concealment for `count` samples per channel (libopus extrapolates in steps
    /// of 2.5 ms; a remainder is filled from one more step).
    private func conceal(_ state: OpaquePointer, count: Int, into out: UnsafeMutablePointer<Int16>) -> Int {
        concealed += 1
        let quantum = rate / 400
        let total = min(max(count, quantum), maximumSamples)
        defer { lossRun += total }
        if lossRun >= Self.concealmentLimit.samples(atRate: rate) {
            out.update(repeating: 0, count: total * channels)
            return total
        }
        var done = 0
        while done < total {
            let step = max(quantum, (total - done) - (total - done) % quantum)
            let written = Int(opus_decode(state, nil, 0, out + done * channels, Int32(step), 0))
            guard written > 0 else { break }
            done += written
        }
        if done < total { (out + done * channels).update(repeating: 0, count: (total - done) * channels) }
        return total
    }

    /// Packets decoded, gaps concealed with PLC, gaps recovered from FEC, corrupt packets.
    public var counts: (decoded: Int, concealed: Int, recovered: Int, corrupt: Int) { (decoded, concealed, recovered, corrupt) }

    public var summary: String? {
        "decoded \(decoded) packet(s), concealed \(concealed), recovered \(recovered) from FEC"
            + (corrupt > 0 ? ", \(corrupt) corrupt" : "")
    }
}
