/// What a finished run did.
public struct GraphRunReport: Sendable {
    /// Media time processed.
    public var mediaDuration: Duration
    /// Wall-clock time the run took.
    public var wallTime: Duration
    /// Whether the run was stopped by ``Graph/requestStop()`` before its sources ended.
    public var stoppedEarly: Bool
    /// Each node's one-line summary, by instance name, in graph order.
    public var summaries: [(node: String, summary: String)]

    /// How many times faster than real time the graph ran.
    public var speedFactor: Double {
        let wall = wallTime.secondsDouble
        return wall > 0 ? mediaDuration.secondsDouble / wall : .infinity
    }
}
