/// Where a call is, as a value (never a string): what the `call_state` event and `/calls` show.
///
/// ```
///  idle ─dial/incoming─▶ inviting ─18x─▶ ringing ─183+SDP─▶ early
///                          │   └──────────┴──────────────────┴─2xx─▶ active ◀─offer/answer─▶ held
///                          └─ any ─hang up─▶ terminating ─▶ closed      (closed from anywhere)
/// ```
public enum CallState: Sendable, Hashable, CustomStringConvertible {
    /// Created; nothing sent or received yet.
    case idle
    /// INVITE sent or received, no provisional answer yet.
    case inviting
    /// 180 received (outgoing), or we are alerting (incoming, RFC 3261 §13.3.1.1).
    case ringing
    /// Early media: a provisional response with an answer started media before the 2xx (RFC 3960).
    case early
    /// Answered; media flows both ways.
    case active
    /// Answered; the media is on hold by one side or both (RFC 3264 §8.4).
    case held(HoldSide)
    /// We asked to end it (BYE or CANCEL sent); waiting for the answer.
    case terminating
    /// Over.
    case closed

    /// Whether the call has not ended.
    public var isLive: Bool { self != .closed }

    /// Whether the call was answered and has not ended (media may be held).
    public var isAnswered: Bool {
        switch self {
        case .active, .held: true
        default: false
        }
    }

    /// The name in logs and events: `idle`, `inviting`, `ringing`, `early`, `active`, `held`,
    /// `terminating`, `closed`.
    public var description: String {
        switch self {
        case .idle: "idle"
        case .inviting: "inviting"
        case .ringing: "ringing"
        case .early: "early"
        case .active: "active"
        case .held: "held"
        case .terminating: "terminating"
        case .closed: "closed"
        }
    }
}

/// Which side put a call on hold: we did (our offer said `sendonly` or `inactive`), the far end
/// did (its offer said so, or carried the old `c=0.0.0.0`), or both.
public struct HoldSide: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// We put the call on hold.
    public static let local = HoldSide(rawValue: 1)
    /// The far end put the call on hold.
    public static let remote = HoldSide(rawValue: 2)

    public var description: String {
        switch self {
        case [.local, .remote]: "both"
        case .local: "local"
        case .remote: "remote"
        default: "none"
        }
    }
}
