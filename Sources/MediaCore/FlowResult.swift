/// What happened to a frame pushed downstream. Expected conditions, not errors: failures are thrown.
///
/// When a frame goes to several branches the results combine: ``ok`` wins over the others, so a
/// tee keeps flowing while any branch still wants data.
public enum FlowResult: Sendable, Hashable {
    /// The frame was accepted.
    case ok
    /// Nothing is linked to this output.
    case notLinked
    /// The receiver is being flushed and dropped the frame.
    case flushing
    /// The receiver wants no more data.
    case endOfStream

    /// The combination of results from several branches.
    @inlinable
    public func combined(with other: FlowResult) -> FlowResult {
        if self == .ok || other == .ok { return .ok }
        if self == .notLinked { return other }
        return self
    }
}
