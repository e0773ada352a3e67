public import MediaCore
import CGSM

/// `gsm-encoder`: 8 kHz mono PCM → GSM 06.10 full rate (libgsm), 33-octet frames of 20 ms,
/// one or more per packet (RFC 3551 §4.5.8).
///
/// Input frames of any size are collected into 160-sample GSM frames.
public final class GSMEncoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "gsm-encoder", category: .codec,
        summary: "Encodes 8 kHz mono PCM as GSM 06.10 full rate (libgsm, 13 kbit/s), 33 octets per 20 ms.",
        inputs: [PortSpec("sink", .pcm(rates: [GSMCodec.sampleRate], channels: [1]))],
        outputs: [PortSpec("src", .encoded(.gsm, clockRates: [GSMCodec.sampleRate]))],
        parameters: [
            ParameterSpec("frames-per-packet", .int, default: .int(1), range: 1...10,
                          doc: "20 ms frames per output packet (the RTP ptime is 20 ms × this)."),
        ],
        examples: ["sine rate=8000 duration=2s ! gsm-encoder ! gsm-decoder ! wav-recorder path=gsm.wav"])

    private let framesPerPacket: Int
    private var state: OpaquePointer?
    private let pending = UnsafeMutablePointer<Int16>.allocate(capacity: GSMCodec.frameSamples)
    private var pendingCount = 0
    private var framesInPacket = 0
    private var packetStart: MediaTime?
    private var packet: FrameBuffer?
    private let pool = FramePool(byteCapacity: GSMCodec.frameBytes * 10)

    public init(parameters: NodeParameters) {
        framesPerPacket = parameters.int("frames-per-packet")
    }

    deinit {
        if let state { gsm_destroy(state) }
        pending.deallocate()
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [GSMCodec.format] }

    public func start(_ context: NodeContext) throws(NodeError) {
        guard let encoder = gsm_create() else { throw .runtime("libgsm could not create an encoder") }
        state = encoder
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let state else { return .notLinked }
        var result = FlowResult.ok
        let samples = frame.int16, count = frame.byteCount / 2
        var offset = 0
        while offset < count {
            if pendingCount == 0, framesInPacket == 0 { packetStart = frame.timestamp.advanced(by: offset) }
            let take = min(GSMCodec.frameSamples - pendingCount, count - offset)
            (pending + pendingCount).update(from: samples + offset, count: take)
            pendingCount += take
            offset += take
            guard pendingCount == GSMCodec.frameSamples else { break }
            if let packetResult = try encodeFrame(state, context: context) { result = packetResult }
        }
        return result
    }

    /// Encodes the pending frame into the packet; pushes the packet when it is full.
    private func encodeFrame(_ state: OpaquePointer, context: NodeContext) throws(NodeError) -> FlowResult? {
        pendingCount = 0
        let out = packet ?? pool.acquire()
        packet = out
        // gsm_encode takes a mutable pointer; it does not write through it.
        gsm_encode(state, pending, out.uint8 + framesInPacket * GSMCodec.frameBytes)
        framesInPacket += 1
        return framesInPacket == framesPerPacket ? try emitPacket(context) : nil
    }

    private func emitPacket(_ context: NodeContext) throws(NodeError) -> FlowResult {
        guard let out = packet else { return .ok }
        let frames = framesInPacket
        packet = nil
        framesInPacket = 0
        return try context.push(Frame(buffer: out, byteCount: frames * GSMCodec.frameBytes, sampleCount: frames * GSMCodec.frameSamples,
                                      timestamp: packetStart ?? .zero(clockRate: GSMCodec.sampleRate)))
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, let state {
            if pendingCount > 0 {
                (pending + pendingCount).update(repeating: 0, count: GSMCodec.frameSamples - pendingCount)
                _ = try encodeFrame(state, context: context)
            }
            if framesInPacket > 0 { _ = try emitPacket(context) }
        }
        if event == .endOfStream, !context.allInputsEnded { return }
        try context.forward(event)
    }
}
