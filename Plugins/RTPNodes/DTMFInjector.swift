public import MediaCore
import RTP

/// `dtmf-injector`: sends DTMF keys as RFC 4733 telephone-event payloads, for `rtp-sender`.
///
/// Each key is an event (§2.5.1): a first packet with the marker, updates of the growing
/// duration about every 50 ms (at the first tick at or after each 50 ms step, so 40 or 60 ms
/// apart with 20 ms ticks), then the final duration in an end packet sent three times, on
/// three successive ticks, so that one lost packet does not lose the end. All packets of an
/// event carry its start time. Keys come from `digits=` and from `dtmf`/`text` events at run
/// time (typed keys).
public final class DTMFInjector: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "dtmf-injector", category: .source,
        summary: "Sends DTMF keys as RFC 4733 telephone-event payloads (for rtp-sender); keys from digits= or typed.",
        outputs: [PortSpec("src", .encoded(.telephoneEvent))],
        parameters: [
            ParameterSpec("digits", .string, default: .string(""), doc: "Keys to send at the start: 0-9 * # A-D."),
            ParameterSpec("duration", .duration, default: .duration(.milliseconds(100)), range: 0.04...5,
                          doc: "How long each key is held."),
            ParameterSpec("gap", .duration, default: .duration(.milliseconds(100)), range: 0.04...5,
                          doc: "Pause between keys (the three end packets are sent in it)."),
            ParameterSpec("volume", .int, default: .int(10), range: 0...63, doc: "Power level in −dBm0."),
            ParameterSpec("rate", .sampleRate, default: .int(8_000), doc: "The RTP clock: the audio codec's rate (RFC 4733 §2.1)."),
            ParameterSpec("keep-open", .bool, default: .bool(false), doc: "Keep running after digits=, waiting for typed keys."),
        ],
        examples: ["dtmf-injector digits=123# ! rtp-sender ! rtp-receiver ! dtmf-receiver",
                   "@encoder ! rtp-sender name=out  dtmf-injector name=keys keep-open=true ! out.events"])

    private var queue: [DTMFDigit]
    private let duration: Duration, gap: Duration
    private let volume: UInt8
    private let rate: Int
    private let endsWhenDone: Bool
    private let pool = FramePool(byteCapacity: 16)
    /// The event being sent: its code, start sample, and the phase within it.
    private var current: (code: UInt8, start: Int64, nextUpdate: Int64, endsSent: Int)?
    private var idleUntil: Int64 = 0
    private var sent = 0

    public init(parameters: NodeParameters) {
        queue = (parameters.string("digits") ?? "").compactMap(DTMFDigit.init)
        duration = parameters.duration("duration")
        gap = parameters.duration("gap")
        volume = UInt8(parameters.int("volume"))
        rate = parameters.int("rate")
        endsWhenDone = !parameters.bool("keep-open")
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.encoded(codec: .telephoneEvent, clockRate: rate, channels: 1)]
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        switch event {
        case .dtmf(let digit, _, _): queue.append(digit)
        case .text(let text): queue += text.compactMap(DTMFDigit.init)
        default: try context.forward(event)
        }
    }

    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let now = context.tickStart(rate: rate).sample
        let length = Int64(duration.samples(atRate: rate))
        let step = Int64(rate / 20)   // 50 ms
        if var event = current {
            let elapsed = now - event.start
            if elapsed >= length {
                // Three end packets with the final duration, one per tick.
                event.endsSent += 1
                current = event.endsSent >= 3 ? nil : event
                if current == nil { idleUntil = now + Int64(gap.samples(atRate: rate)) }
                return try send(event.code, start: event.start, duration: length, end: true, first: false, context: context)
            }
            guard now >= event.nextUpdate else { return .ok }
            event.nextUpdate += step * ((now - event.nextUpdate) / step + 1)
            current = event
            return try send(event.code, start: event.start, duration: elapsed, end: false, first: false, context: context)
        }
        guard now >= idleUntil else { return .ok }
        guard !queue.isEmpty else { return endsWhenDone ? .endOfStream : .ok }
        let digit = queue.removeFirst()
        let code = UInt8(digit.eventCode)
        current = (code, now, now + step, 0)
        sent += 1
        return try send(code, start: now, duration: 0, end: false, first: true, context: context)
    }

    private func send(_ code: UInt8, start: Int64, duration: Int64, end: Bool, first: Bool,
                      context: NodeContext) throws(NodeError) -> FlowResult {
        let payload = TelephoneEvent(event: code, isEnd: end, volume: volume, duration: UInt16(clamping: duration)).bytes
        let out = pool.acquire(minimumCapacity: 4)
        for i in 0..<4 { out.uint8[i] = payload[i] }
        return try context.push(Frame(buffer: out, byteCount: 4, sampleCount: Int(duration),
                                      timestamp: MediaTime(sample: start, clockRate: rate), flags: first ? [.marker] : []))
    }

    public var endsByItself: Bool { endsWhenDone }

    public var summary: String? { "sent \(sent) key(s) as RFC 4733 events" }
}
