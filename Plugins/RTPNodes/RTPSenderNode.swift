public import MediaCore
public import RTP

/// `rtp-sender`: packs encoded frames into RTP (RFC 3550) and sends them on the call's session,
/// or pushes them as packet frames when its output is linked (offline graphs, tests, or a call
/// whose packets pass an `impair` node on their way to `@network`).
///
/// Timestamps follow media time (the frame's timestamp in the payload clock), so a gap in the
/// media shows on the wire and the next packet is marked. RFC 4733 telephone-event frames (from
/// `dtmf-injector` on the `events` input, or as the main input) keep their event's timestamp;
/// audio is held back while an event is being sent (§2.5.1.1: the tones must not be sent twice).
public final class RTPSenderNode: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "rtp-sender", category: .network,
        summary: "Sends encoded frames as RTP packets (RFC 3550), with RFC 4733 events on a second input.",
        inputs: [PortSpec("sink", FormatConstraint([.encoded(codecs: nil, clockRates: nil)])),
                 PortSpec("events", .encoded(.telephoneEvent), presence: .optional)],
        outputs: [PortSpec("src", FormatConstraint([.encoded(codecs: nil, clockRates: nil)]), presence: .optional)],
        parameters: [
            ParameterSpec("payload-type", .int, default: .int(-1), range: -1...127,
                          doc: "RTP payload type of the main input; -1 = the static or Callwire default for its codec."),
            ParameterSpec("event-payload-type", .int, default: .int(-1), range: -1...127,
                          doc: "Payload type of telephone-event packets; -1 = 101 (8 kHz), 100 (16 kHz)."),
            ParameterSpec("ssrc", .int, default: .int(0), range: 0...4_294_967_295, doc: "0 = random (RFC 3550 §8)."),
            ParameterSpec("sequence", .int, default: .int(-1), range: -1...65_535, doc: "First sequence number; -1 = random."),
            ParameterSpec("timestamp", .int, default: .int(-1), range: -1...4_294_967_295,
                          doc: "RTP timestamp of media time 0; -1 = random."),
        ],
        formatRule: .custom,
        examples: ["sine rate=8000 duration=1s ! pcmu-encoder ! rtp-sender ! rtp-receiver ! pcmu-decoder ! null-sink",
                   "@encoder ! rtp-sender name=out  dtmf-injector ! out.events"])

    /// The call's session; packets go here when set (by the endpoint, before the graph starts).
    public var transport: (any RTPPacketSink)?
    private var sequencer: RTPSequencer
    private var payloadType: UInt8 = 0
    private var eventPayloadType: UInt8 = 101
    private let requestedPayloadType: Int, requestedEventPayloadType: Int
    private var mainIsEvents = false
    private var eventActive = false
    private let pool = FramePool(byteCapacity: 1_500)
    private var packetsSent = 0, eventPacketsSent = 0, audioHeld = 0, held = 0

    public init(parameters: NodeParameters) {
        let ssrc = parameters.int("ssrc"), sequence = parameters.int("sequence"), timestamp = parameters.int("timestamp")
        sequencer = RTPSequencer(ssrc: ssrc == 0 ? nil : UInt32(ssrc), initialSequence: sequence < 0 ? nil : UInt16(sequence),
                                 timestampBase: timestamp < 0 ? nil : UInt32(timestamp))
        requestedPayloadType = parameters.int("payload-type")
        requestedEventPayloadType = parameters.int("event-payload-type")
    }

    /// The stream's SSRC (for RTCP and tests).
    public var ssrc: UInt32 { sequencer.ssrc }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard let main = negotiation.inputs.first else { throw .format("rtp-sender needs an encoded input") }
        if requestedPayloadType >= 0 {
            payloadType = UInt8(requestedPayloadType)
        } else if let pt = RTPStreamFormat.defaultPayloadType(for: main) {
            payloadType = pt
        } else {
            throw .format("rtp-sender: no default payload type for \(main); give payload-type=96…127")
        }
        mainIsEvents = main.codecName.lowercased() == "telephone-event"
        if negotiation.inputs.count > 1 {
            eventPayloadType = requestedEventPayloadType >= 0 ? UInt8(requestedEventPayloadType)
                : RTPStreamFormat.defaultPayloadType(for: negotiation.inputs[1]) ?? 101
        } else if mainIsEvents {
            eventPayloadType = payloadType
        }
        return Array(repeating: RTPStreamFormat.packets(carrying: main), count: negotiation.outputCount)
    }

    /// A call's media changed (RFC 3264 §8.3.2): `.reconfigure` with `payload-type` and
    /// `event-payload-type` switches the numbers from the next packet on (the encoder before this
    /// node changed codec between the same two frames).
    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        guard case .reconfigure(let fields) = event else {
            if event == .endOfStream, !context.allInputsEnded { return }
            try context.forward(event)
            return
        }
        if let pt = fields["payload-type"].flatMap(UInt8.init), pt < 128 { payloadType = pt }
        if let pt = fields["event-payload-type"].flatMap(UInt8.init), pt < 128 { eventPayloadType = pt }
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        // Held (RFC 3264 §8.4): nothing goes out, and no sequence number is used up.
        if let transport, !transport.isSending {
            held += 1
            return .ok
        }
        if port == 1 || mainIsEvents { return try sendEvent(frame, context: context) }
        if eventActive {
            audioHeld += 1
            return .ok
        }
        let header = sequencer.next(sample: frame.timestamp.sample, samples: frame.sampleCount, payloadType: payloadType,
                                    payloadBytes: frame.byteCount)
        return try emit(header, frame: frame, context: context)
    }

    private func sendEvent(_ frame: Frame, context: NodeContext) throws(NodeError) -> FlowResult {
        let start = frame.flags.contains(.marker)
        let isEnd = frame.byteCount >= 2 && frame.bytes[1] & 0x80 != 0
        eventActive = !isEnd
        let header = start
            ? sequencer.next(sample: frame.timestamp.sample, samples: 0, payloadType: eventPayloadType,
                             payloadBytes: frame.byteCount, startsSpurt: true)
            : sequencer.repeatTimestamp(sample: frame.timestamp.sample, payloadType: eventPayloadType, payloadBytes: frame.byteCount)
        eventPacketsSent += 1
        return try emit(header, frame: frame, context: context)
    }

    /// Writes the 12-byte header and the payload into one pooled buffer (no per-packet allocation).
    private func emit(_ header: RTPPacket, frame: Frame, context: NodeContext) throws(NodeError) -> FlowResult {
        let out = pool.acquire(minimumCapacity: 12 + frame.byteCount)
        let p = out.uint8
        p[0] = 0x80
        p[1] = (header.marker ? 0x80 : 0) | header.payloadType
        p[2] = UInt8(header.sequenceNumber >> 8); p[3] = UInt8(header.sequenceNumber & 0xFF)
        for i in 0..<4 {
            p[4 + i] = UInt8((header.timestamp >> (24 - 8 * UInt32(i))) & 0xFF)
            p[8 + i] = UInt8((header.ssrc >> (24 - 8 * UInt32(i))) & 0xFF)
        }
        (p + 12).update(from: frame.baseAddress.assumingMemoryBound(to: UInt8.self), count: frame.byteCount)
        let length = 12 + frame.byteCount
        packetsSent += 1
        var flags = frame.flags
        if header.marker { flags.insert(.marker) } else { flags.remove(.marker) }
        // Linked onwards (an impair node, then the call's `@network`), the packet goes down the
        // pipeline; otherwise it is sent on the call's session here.
        let result = try context.push(Frame(buffer: out, byteCount: length, sampleCount: frame.sampleCount,
                                            timestamp: frame.timestamp, flags: flags))
        guard result == .notLinked, let transport else { return result }
        transport.send(rtp: UnsafeRawBufferPointer(start: out.bytes, count: length))
        return .ok
    }

    /// Packets and payload octets sent (for RTCP sender reports).
    public var counts: (packets: UInt32, octets: UInt32) { (sequencer.packetCount, sequencer.octetCount) }

    public var summary: String? {
        "sent \(packetsSent) RTP packet(s) as SSRC \(String(sequencer.ssrc, radix: 16))"
            + (eventPacketsSent > 0 ? ", \(eventPacketsSent) of them telephone-event" : "")
            + (audioHeld > 0 ? ", \(audioHeld) audio frame(s) held back during events" : "")
            + (held > 0 ? ", \(held) frame(s) not sent while on hold" : "")
    }
}
