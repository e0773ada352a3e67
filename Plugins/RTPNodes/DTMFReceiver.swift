public import MediaCore
import RTP

/// `dtmf-receiver`: reads RFC 4733 telephone-event payloads (from `rtp-receiver`) and posts each
/// key once, with its start time and duration (see ``TelephoneEventReceiver``): it does not rely
/// on the marker bit and survives the loss of end packets.
public final class DTMFReceiver: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "dtmf-receiver", category: .analyzer,
        summary: "Posts each RFC 4733 DTMF key once (robust to lost packets and missing markers).",
        inputs: [PortSpec("sink", .encoded(.telephoneEvent))],
        examples: ["@rtp-in name=rx  rx.events ! dtmf-receiver"])

    private var receiver = TelephoneEventReceiver()
    private var rate = 8_000
    private var messenger: NodeMessenger?
    private var keys = ""

    public init(parameters: NodeParameters) {}

    public func start(_ context: NodeContext) throws(NodeError) {
        rate = context.inputFormats[0].clockRate
        messenger = context.messenger
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let payload = TelephoneEvent(payload: frame.bytes) else { return .ok }
        let start = frame.timestamp.sample
        for event in receiver.receive(payload, timestamp: UInt32(truncatingIfNeeded: start)) {
            report(event, start: start)
        }
        return .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream, let last = receiver.flush() {
            report(last, start: nil)
        }
    }

    private func report(_ event: TelephoneEventReceiver.Detected, start: Int64?) {
        guard let digit = DTMFDigit(eventCode: Int(event.event)) else { return }
        keys.append(digit.character)
        // Event timestamps are the low 32 bits of the stream's media time: restore the high bits
        // from the packet in hand, when there is one.
        let sample = start.map { $0 - Int64(UInt32(truncatingIfNeeded: $0) &- event.timestamp) } ?? Int64(event.timestamp)
        messenger?.post(.dtmf(digit, at: MediaTime(sample: sample, clockRate: rate),
                              duration: .nanoseconds(Int64(event.duration) * 1_000_000_000 / Int64(rate))))
    }

    public var summary: String? { keys.isEmpty ? "no keys" : "keys \(keys)" }
}

/// RTP, RTCP-facing nodes, jitter buffering, RFC 4733 DTMF and network impairment.
public enum RTPNodesPlugin: MediaPlugin {
    public static let name = "rtp"
    public static let nodeTypes: [any MediaNode.Type] = [RTPSenderNode.self, RTPReceiverNode.self, JitterBufferNode.self,
                                                         ImpairNode.self, DTMFInjector.self, DTMFReceiver.self]
}
