/// Something that sends RTP packets for a graph: the call's RTP session. Its methods are called
/// on the graph's executor and must not block (a send is handed to the network thread).
public protocol RTPPacketSink: AnyObject, Sendable {
    /// Sends one RTP packet.
    func send(rtp packet: UnsafeRawBufferPointer)
    /// Whether packets go out now (false while the call is held in a direction where this side
    /// does not send): a sender then builds none, so sequence numbers stay contiguous (RFC 3550 §5.1).
    var isSending: Bool { get }
}

extension RTPPacketSink {
    public var isSending: Bool { true }
}

/// Where a receiving node finds packets that arrived from the network (filled by the RTP
/// session's thread, drained by the node each tick).
public protocol RTPPacketSource: AnyObject, Sendable {
    /// Calls `body` with each packet received since the last call, oldest first, with its
    /// arrival time on the monotonic clock in nanoseconds.
    func drain(_ body: (UnsafeRawBufferPointer, Int64) -> Void)
    /// Whether the session has closed (no more packets will come).
    var isClosed: Bool { get }
}
