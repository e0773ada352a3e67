public import MediaCore
public import RTP

/// What fills a call pipeline's `@network` slot: the call's RTP socket as a sink of RTP packets.
///
/// A call's `@rtp-out` (an `rtp-sender`) sends its packets itself. Linked onwards —
/// `@encoder ! @rtp-out ! impair loss=3% ! @network` — it hands them down the pipeline
/// instead, and they are sent here, as they arrive: so a test can put a bad network (loss,
/// jitter, reordering) between a real call and the wire, after sequence numbers are assigned,
/// as a real network would.
public final class RTPNetworkSink: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "rtp-network-sink", category: .network,
        summary: "Sends RTP packets (from rtp-sender, or an impair node after it) on the call's RTP session.",
        inputs: [PortSpec("sink", .any)],
        examples: ["@encoder ! @rtp-out ! impair loss=3% seed=7 ! @network"])

    /// The call's session (set by the endpoint before the graph starts).
    public var transport: (any RTPPacketSink)?
    private var sent = 0

    public init(parameters: NodeParameters) {}

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let transport else { return .ok }
        // The sender already checked that the call sends (RFC 3264 §8.4 hold); an impair node
        // may release a packet just after a hold began, which then goes nowhere.
        guard transport.isSending, frame.byteCount >= 12 else { return .ok }
        sent += 1
        transport.send(rtp: UnsafeRawBufferPointer(start: frame.baseAddress, count: frame.byteCount))
        return .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {}

    public var summary: String? { "sent \(sent) RTP packet(s) that came down the pipeline" }
}
