public import SDP

/// A call's state machine: pure, no I/O. Each input returns the actions the ``Call`` carries
/// out (as the transaction layer does), so every transition is tested without sockets or time.
/// An input that makes no sense in a state (a 180 after the 2xx, anything after the end) is
/// ignored — an empty list, never a crash.
public struct CallMachine: Sendable {
    /// What happened.
    public enum Input: Sendable, Equatable {
        /// We sent an INVITE.
        case dial
        /// An INVITE arrived.
        case incoming
        /// We answered 180 to an incoming INVITE (alerting).
        case alerting
        /// A provisional response to our INVITE; `media` when it carried the answer (early media).
        case provisional(media: NegotiatedAudio?)
        /// The 2xx/ACK exchange confirmed the dialog with this media (nil: none settled).
        case answered(NegotiatedAudio?)
        /// An offer/answer inside the dialog settled new media (re-INVITE, UPDATE, ACK answer).
        case renegotiated(NegotiatedAudio)
        /// We began ending the call (BYE or CANCEL sent, or a ringing call declined).
        case hangUp
        /// The call ended, for any reason.
        case ended
    }

    /// What the call does.
    public enum Action: Sendable, Equatable {
        /// The state changed.
        case enter(CallState)
        /// Start the media graph with this media, or make the running one follow it.
        case media(NegotiatedAudio)
        /// Stop the media graph (recordings are finalized).
        case stopMedia
    }

    /// The state now.
    public private(set) var state: CallState = .idle
    /// Whether our side asked for hold (our next offers say `sendonly`/`inactive`).
    public var localHold = false

    /// A machine in `idle`.
    public init() {}

    /// Feeds one input and returns what to do.
    public mutating func handle(_ input: Input) -> [Action] {
        switch (state, input) {
        case (.closed, _):
            return []
        case (_, .ended):
            return transition(to: .closed) + [.stopMedia]
        case (.terminating, _):
            return []
        case (_, .hangUp):
            return transition(to: .terminating)
        case (.idle, .dial), (.idle, .incoming):
            return transition(to: .inviting)
        case (.inviting, .alerting):
            return transition(to: .ringing)
        case (.inviting, .provisional(nil)):
            return transition(to: .ringing)
        case (.inviting, .provisional(let media?)), (.ringing, .provisional(let media?)):
            return transition(to: .early) + [.media(media)]
        case (.inviting, .answered(let media)), (.ringing, .answered(let media)), (.early, .answered(let media)):
            guard let media else { return transition(to: .active) }
            return transition(to: answeredState(media)) + [.media(media)]
        case (.active, .renegotiated(let media)), (.held, .renegotiated(let media)), (.early, .renegotiated(let media)):
            return transition(to: state == .early ? .early : answeredState(media)) + [.media(media)]
        default:
            return []
        }
    }

    private func answeredState(_ media: NegotiatedAudio) -> CallState {
        var side: HoldSide = []
        if localHold { side.insert(.local) }
        if media.remoteHold { side.insert(.remote) }
        return side.isEmpty ? .active : .held(side)
    }

    private mutating func transition(to next: CallState) -> [Action] {
        guard next != state else { return [] }
        state = next
        return [.enter(next)]
    }
}
