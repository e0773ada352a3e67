public import MediaCore
import CGSM

/// `gsm-decoder`: GSM 06.10 full rate (libgsm) → 8 kHz mono PCM; one or more 33-octet frames per
/// packet (RFC 3551 §4.5.8).
///
/// Lost frames are substituted as GSM 06.11 recommends: the last good frame is decoded again
/// (the long-term predictor carries the pitch on), the first time at full level, then about
/// 3 dB quieter for each further lost frame, and after 320 ms of loss the output is silent. A
/// frame without the GSM signature (a corrupt packet) is treated as lost.
public final class GSMDecoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "gsm-decoder", category: .codec,
        summary: "Decodes GSM 06.10 full rate (libgsm) to 8 kHz mono PCM; substitutes lost frames as GSM 06.11 does.",
        inputs: [PortSpec("sink", .encoded(.gsm, clockRates: [GSMCodec.sampleRate]))],
        outputs: [PortSpec("src", .pcm(rates: [GSMCodec.sampleRate], channels: [1]))],
        examples: ["sine rate=8000 duration=1s ! gsm-encoder ! gsm-decoder ! wav-recorder path=gsm.wav",
                   "@rtp-in ! jitter-buffer ! gsm-decoder ! resample rate=16000 ! recognizer"])

    /// GSM 06.11 §2.2: after 320 ms (16 frames) of substitution, mute.
    static let mutedAfterFrames = 16
    /// The level of the `n`th substitute (index `n - 1`): full, then 3 dB (× 0.708) less per frame.
    static let substituteGains: [Float] = (0..<mutedAfterFrames).reduce(into: []) { gains, n in
        gains.append(n == 0 ? 1 : gains[n - 1] * 0.707_946)
    }

    private var state: OpaquePointer?
    private let pool = FramePool(byteCapacity: GSMCodec.frameSamples * 2 * 10)
    /// The last good frame, decoded again for substitutes.
    private let lastFrame = UnsafeMutablePointer<gsm_byte>.allocate(capacity: GSMCodec.frameBytes)
    private var haveLast = false
    private var lostFrames = 0
    private var decoded = 0, concealed = 0, corrupt = 0

    public init(parameters: NodeParameters) {}

    deinit {
        if let state { gsm_destroy(state) }
        lastFrame.deallocate()
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [.mono16(GSMCodec.sampleRate)] }

    public func start(_ context: NodeContext) throws(NodeError) {
        guard let decoder = gsm_create() else { throw .runtime("libgsm could not create a decoder") }
        state = decoder
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state else { return .notLinked }
        var flags = frame.flags
        let missing = frame.flags.contains(.missing)
        let frames: Int
        if missing {
            frames = max(1, (frame.sampleCount + GSMCodec.frameSamples - 1) / GSMCodec.frameSamples)
            flags.remove([.missing, .nextPacketAttached])
            flags.insert(.concealed)
        } else {
            frames = frame.byteCount / GSMCodec.frameBytes
            if frames == 0 || frame.byteCount % GSMCodec.frameBytes != 0 { corrupt += 1 }
            guard frames > 0 else { return .ok }
        }
        let out = pool.acquire(minimumCapacity: frames * GSMCodec.frameSamples * 2)
        for i in 0..<frames {
            let samples = out.int16 + i * GSMCodec.frameSamples
            if missing {
                substituteFrame(state, into: samples)
            } else {
                let bytes = UnsafeMutablePointer(mutating: frame.uint8 + i * GSMCodec.frameBytes)
                if gsm_decode(state, bytes, samples) == 0 {
                    lastFrame.update(from: bytes, count: GSMCodec.frameBytes)
                    haveLast = true
                    lostFrames = 0
                    decoded += 1
                } else {
                    corrupt += 1
                    substituteFrame(state, into: samples)
                }
            }
        }
        return try context.push(Frame(buffer: out, byteCount: frames * GSMCodec.frameSamples * 2,
                                      sampleCount: frames * GSMCodec.frameSamples, timestamp: frame.timestamp, flags: flags))
    }

    /// GSM 06.11 substitution and muting for one lost frame.
    private func substituteFrame(_ state: OpaquePointer, into samples: UnsafeMutablePointer<Int16>) {
        concealed += 1
        lostFrames += 1
        guard haveLast, lostFrames <= Self.mutedAfterFrames else {
            samples.update(repeating: 0, count: GSMCodec.frameSamples)
            return
        }
        _ = gsm_decode(state, lastFrame, samples)
        let gain = Self.substituteGains[lostFrames - 1]
        if gain < 1 {
            for i in 0..<GSMCodec.frameSamples { samples[i] = Int16(Float(samples[i]) * gain) }
        }
    }

    public var summary: String? {
        "decoded \(decoded) frame(s), substituted \(concealed)" + (corrupt > 0 ? ", \(corrupt) corrupt" : "")
    }
}
