public import MediaCore
public import RTP

/// `rtp-receiver`: turns RTP packets back into encoded frames with media timestamps.
///
/// Packets come from the call's session (drained each tick) or, offline, from its input. It
/// follows one source: the first SSRC heard (symmetric RTP latches the address in the session;
/// here a foreign SSRC's packets are dropped and counted, unless the current source has been
/// silent for a second, when the new one takes over). RTP timestamps are unwrapped into media
/// time; the marker bit becomes the frame's `.marker` flag. Packets with the event payload type
/// — or, tolerating peers that use another number than the SDP's, any 4-byte payload with an
/// unknown dynamic type — go to the `events` output as RFC 4733 payloads.
/// Reception statistics (RFC 3550 A.1/A.3/A.8) are kept for RTCP and posted as `rtp.stats`.
public final class RTPReceiverNode: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "rtp-receiver", category: .network,
        summary: "Receives RTP packets (one source, latched) as encoded frames; RFC 4733 events on a second output.",
        inputs: [PortSpec("sink", FormatConstraint([.encoded(codecs: nil, clockRates: nil)]), presence: .optional)],
        outputs: [PortSpec("src", FormatConstraint([.encoded(codecs: nil, clockRates: nil)])),
                  PortSpec("events", .encoded(.telephoneEvent), presence: .optional)],
        parameters: [
            ParameterSpec("payload-type", .int, default: .int(-1), range: -1...127,
                          doc: "Payload type of the main stream; -1 = the default for its codec."),
            ParameterSpec("event-payload-type", .int, default: .int(-1), range: -1...127,
                          doc: "Payload type of telephone-event packets; -1 = the default for the clock rate."),
        ],
        formatRule: .custom,
        examples: ["… ! rtp-sender ! impair loss=5% ! rtp-receiver ! jitter-buffer ! pcmu-decoder ! null-sink"])

    /// The call's session; when set, packets are drained from it each tick.
    public var packetSource: (any RTPPacketSource)?
    /// The payload format of the main stream, when no input says it (set by the endpoint).
    public var payloadFormat: MediaFormat?
    private let requestedPayloadType: Int, requestedEventPayloadType: Int
    private var payloadType: UInt8 = 0, eventPayloadType: UInt8 = 101
    private var format: MediaFormat = .encoded(codec: .pcmu, clockRate: 8_000, channels: 1)
    private var mainIsEvents = false
    private var eventsLinked = false
    private var statistics = ReceptionStatistics()
    private var ssrc: UInt32?
    private var lastHeard: Int64 = 0
    private var lastTimestamp: UInt32 = 0
    private var extendedSample: Int64 = 0
    private var started = false
    private var inputEnded = false
    private var hasInput = false
    private let pool = FramePool(byteCapacity: 1_500)
    private var foreign = 0, malformed = 0, unknownType = 0, delivered = 0
    /// The payload type before the last change: packets of it still in flight are dropped (the
    /// decoder has moved on), and counted apart from unknown types.
    private var previousPayloadType: UInt8?
    private var previousCodec = 0
    private var messenger: NodeMessenger?

    public init(parameters: NodeParameters) {
        requestedPayloadType = parameters.int("payload-type")
        requestedEventPayloadType = parameters.int("event-payload-type")
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        hasInput = !negotiation.inputs.isEmpty
        if let input = negotiation.inputs.first {
            guard let carried = RTPStreamFormat.payload(of: input) else {
                throw .format("rtp-receiver takes RTP packets (from rtp-sender or impair), got \(input)")
            }
            format = carried
        } else if let payloadFormat {
            format = payloadFormat
        } else {
            throw .format("rtp-receiver needs an input of RTP packets, or a call to bind it")
        }
        mainIsEvents = format.codecName.lowercased() == "telephone-event"
        payloadType = requestedPayloadType >= 0 ? UInt8(requestedPayloadType) : RTPStreamFormat.defaultPayloadType(for: format) ?? 96
        let eventFormat = MediaFormat.encoded(codec: .telephoneEvent, clockRate: format.clockRate, channels: 1)
        eventPayloadType = requestedEventPayloadType >= 0 ? UInt8(requestedEventPayloadType)
            : (mainIsEvents ? payloadType : RTPStreamFormat.defaultPayloadType(for: eventFormat) ?? 101)
        eventsLinked = negotiation.linked.count > 1 && negotiation.linked[1]
        return [format, eventFormat]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        messenger = context.messenger
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        // Offline: arrival is the graph's media time, in the payload's clock.
        let arrival = Int64(context.tick) * Int64(context.samplesThisTick(rate: format.clockRate))
        return try receive(frame.bytes, arrival: arrival, context: context)
    }

    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        if let source = packetSource {
            var failure: NodeError?
            source.drain { bytes, nanoseconds in
                guard failure == nil else { return }
                let arrival = nanoseconds / 1_000 * Int64(format.clockRate) / 1_000_000
                do throws(NodeError) { _ = try receive(bytes, arrival: arrival, context: context) } catch { failure = error }
            }
            if let failure { throw failure }
            if source.isClosed { return .endOfStream }
            return .ok
        }
        if hasInput, inputEnded { return .endOfStream }
        return .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if case .reconfigure(let fields) = event, origin == .application {
            // A call's media changed (RFC 3264 §8.3.2): new payload types and payload format from
            // the next packet; the timeline restarts (the jitter buffer after us re-anchors), and
            // the event goes on in-band, after every frame of the old codec.
            if let pt = fields["payload-type"].flatMap(UInt8.init), pt < 128, pt != payloadType {
                previousPayloadType = payloadType
                payloadType = pt
            }
            if let pt = fields["event-payload-type"].flatMap(UInt8.init), pt < 128 { eventPayloadType = pt }
            if let encoding = fields["encoding"], let rate = fields["clock-rate"].flatMap(Int.init), rate > 0 {
                format = .encoded(codec: CodecID(encoding), clockRate: rate, channels: fields["channels"].flatMap(Int.init) ?? 1)
                mainIsEvents = false
            }
            started = false
            try context.forward(event)
            return
        }
        if event == .endOfStream {
            inputEnded = true   // ends at the next tick, from produce
            messenger?.post(.custom(name: "rtp.stats", fields: statisticsFields))
            return
        }
        try context.forward(event)
    }

    private func receive(_ bytes: UnsafeRawBufferPointer, arrival: Int64, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let header = try? RTPHeader(parsing: bytes) else {
            malformed += 1
            return .ok
        }
        if let current = ssrc, header.ssrc != current {
            // A new source takes over only when the current one has gone quiet for a second.
            guard arrival - lastHeard > Int64(format.clockRate) else {
                foreign += 1
                return .ok
            }
            ssrc = nil
        }
        if ssrc == nil {
            ssrc = header.ssrc
            statistics = ReceptionStatistics()
            started = false
        }
        lastHeard = arrival
        let payload = UnsafeRawBufferPointer(rebasing: bytes[header.payloadRange])
        let isEvent: Bool
        if header.payloadType == eventPayloadType {
            isEvent = true
        } else if header.payloadType == payloadType {
            isEvent = mainIsEvents
        } else if header.payloadType == previousPayloadType {
            previousCodec += 1
            return .ok
        } else if header.payloadType >= 96, payload.count == 4, eventsLinked || mainIsEvents {
            isEvent = true   // a peer using another number for telephone-event than the SDP's
        } else {
            unknownType += 1
            return .ok
        }
        statistics.record(sequence: header.sequenceNumber, timestamp: header.timestamp, arrival: arrival)
        // Unwrap the 32-bit timestamp into media time, relative to the first packet.
        if started {
            extendedSample += Int64(Int32(bitPattern: header.timestamp &- lastTimestamp))
        } else {
            started = true
            extendedSample = 0
        }
        lastTimestamp = header.timestamp
        let out = pool.acquire(minimumCapacity: max(payload.count, 1))
        if let base = payload.baseAddress { out.bytes.copyMemory(from: base, byteCount: payload.count) }
        let samples = RTPStreamFormat.samples(inPayloadOf: format, payload: payload) ?? format.clockRate / 50
        let frame = Frame(buffer: out, byteCount: payload.count, sampleCount: isEvent ? 0 : samples,
                          timestamp: MediaTime(sample: extendedSample, clockRate: format.clockRate),
                          flags: header.marker ? [.marker] : [])
        delivered += 1
        if isEvent && !mainIsEvents {
            return eventsLinked ? try context.push(frame, port: 1) : .ok
        }
        return try context.push(frame, port: 0)
    }

    /// A reception report for RTCP, starting a new reporting interval.
    public func makeReport(lastSenderReport: UInt32 = 0, delay: UInt32 = 0) -> ReportBlock? {
        guard let ssrc else { return nil }
        return statistics.makeReport(ssrc: ssrc, lastSenderReport: lastSenderReport, delaySinceLastSenderReport: delay)
    }

    private var statisticsFields: [String: String] {
        ["received": String(statistics.received), "lost": String(statistics.cumulativeLost),
         "jitter-ms": String((statistics.jitter * 1000 / Double(format.clockRate) * 10).rounded() / 10),
         "ssrc": ssrc.map { String($0, radix: 16) } ?? "-", "foreign": String(foreign)]
    }

    public var endsByItself: Bool { hasInput }

    public var summary: String? {
        "received \(delivered) packet(s), \(statistics.cumulativeLost) lost, jitter "
            + "\((statistics.jitter * 1000 / Double(format.clockRate) * 10).rounded() / 10) ms"
            + (foreign > 0 ? ", \(foreign) from other sources dropped" : "")
            + (malformed > 0 ? ", \(malformed) malformed" : "")
            + (unknownType > 0 ? ", \(unknownType) of unknown payload type" : "")
            + (previousCodec > 0 ? ", \(previousCodec) of the previous codec after a change" : "")
    }
}
