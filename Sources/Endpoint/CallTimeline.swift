/// When a call's signalling milestones happened, measured on the monotonic clock from the
/// moment the call began (our INVITE went out, or theirs came in): what a load test reports as
/// setup time and post-dial delay.
public struct CallTimeline: Sendable, Equatable {
    /// INVITE → the first provisional response with a dialog (180 Ringing, 183 Session
    /// Progress): the post-dial delay. Nil when none came.
    public var postDialDelay: Duration?
    /// INVITE → the 2xx: the setup time. Nil when the call was not answered.
    public var setup: Duration?
    /// Answer → close: how long the call was up. Nil until it has closed after an answer.
    public var connected: Duration?
    /// The final failure of an outgoing call that was not answered (status and reason).
    public var failureStatus: Int?
    /// The reason phrase of ``failureStatus``.
    public var failureReason: String?

    /// An empty timeline.
    public init() {}
}
