import CallMedia
public import Foundation
import NIOCore
public import SDP
import SIPCore
import SIPDialog

/// One call — one dialog — in either direction: its typed state (``CallMachine``), its dialog
/// (through the user agent), its offer/answer and running media (``CallMediaSession``), its
/// statistics and a typed event stream. What a program that embeds Callwire holds.
///
/// Its state is confined to the endpoint's event loop; the methods below may be called from
/// anywhere (they hop onto the loop).
///
/// ```swift
/// let call = try await endpoint.dial(bob)
/// for await event in call.events {
///     if case .state(.active) = event { await call.sendDTMF("42#") }
/// }
/// ```
public final class Call: @unchecked Sendable {
    /// Which way the call was set up.
    public enum Direction: String, Sendable { case incoming, outgoing }

    /// The Call-ID: the call's identity on the wire.
    public let id: String
    /// The call's number in this process (1, 2, …): what typed commands name it by.
    public let number: Int
    /// Who called whom.
    public let direction: Direction
    /// The far end's address (its To for outgoing calls, its From for incoming ones).
    public let peer: String
    /// When the call began.
    public let started: Date
    /// Everything that happens to this call, in order; ends when the call is closed.
    public let events: AsyncStream<CallEvent>
    let eventSink: AsyncStream<CallEvent>.Continuation

    unowned let endpoint: Endpoint
    let sip: SIPUserAgent.Call
    let media: CallMediaSession

    // MARK: Confined to the endpoint's event loop
    var machine = CallMachine()
    /// What an incoming INVITE's offer settled, until the call is answered.
    var pendingMedia: NegotiatedAudio?
    /// Our answer to the INVITE's offer, for the 2xx.
    var preparedAnswer: [UInt8]?
    /// The hang-up timer of `--duration` / `--auto-terminate-after`.
    var durationTimer: Scheduled<Void>?
    /// Typed keys waiting to go out as INFO, one request at a time.
    var infoDigits: [Character] = []
    var infoSending = false
    /// Who waits for the call to close.
    var closeWaiters: [EventLoopPromise<Void>] = []
    /// Why an outgoing call failed before it was answered (the final response, 408, 503, 487).
    public internal(set) var failure: (status: Int, reason: String)?
    /// Transfers (Call+Transfer, Call+Referral): the REFER we sent, the one we took, how many
    /// REFERs came in this dialog, and the call that took this one's place (the transfer
    /// target, or an INVITE with Replaces) — the job goes on in it.
    var transferOut: TransferOut?
    var referral: Referral?
    var refersReceived = 0
    var successor: Call?
    var continuesJob = false
    /// Who follows this call's events on the loop (a transfer reporting its progress).
    var watchers: [@Sendable (CallEvent) -> Void] = []
    /// When the call began, on the monotonic clock.
    let began = ContinuousClock.now
    /// Milestones so far (``timeline``).
    var milestones = CallTimeline()
    var answeredAt: ContinuousClock.Instant?

    init(id: String, number: Int, direction: Direction, peer: String, endpoint: Endpoint, sip: SIPUserAgent.Call,
         media: CallMediaSession) {
        self.id = id
        self.number = number
        self.direction = direction
        self.peer = peer
        self.endpoint = endpoint
        self.sip = sip
        self.media = media
        started = Date()
        (events, eventSink) = AsyncStream.makeStream(of: CallEvent.self, bufferingPolicy: .bufferingNewest(256))
    }

    /// The state now.
    public var state: CallState {
        get async { (try? await endpoint.eventLoop.submit { [self] in machine.state }.get()) ?? .closed }
    }

    /// The media in use now (nil before offer/answer settled it).
    public var negotiated: NegotiatedAudio? {
        get async { (try? await endpoint.eventLoop.submit { [self] in media.current }.get()) ?? nil }
    }

    /// What the media did so far.
    public var statistics: CallStatistics {
        get async {
            (try? await endpoint.eventLoop.submit { [self] in media.statistics }.get())
                ?? CallStatistics(received: 0, lost: 0, jitterMilliseconds: 0, lateFrames: 0)
        }
    }

    /// Its signalling milestones so far: post-dial delay, setup time, failure.
    public var timeline: CallTimeline {
        get async {
            (try? await endpoint.eventLoop.submit { [self] () -> CallTimeline in
                var timeline = milestones
                timeline.failureStatus = failure?.status
                timeline.failureReason = failure?.reason
                return timeline
            }.get()) ?? CallTimeline()
        }
    }

    /// Waits until the call has closed (its media finalized).
    public func closed() async {
        let future = endpoint.eventLoop.flatSubmit { [self] () -> EventLoopFuture<Void> in
            if machine.state == .closed && !media.isRunning { return endpoint.eventLoop.makeSucceededFuture(()) }
            let promise = endpoint.eventLoop.makePromise(of: Void.self)
            closeWaiters.append(promise)
            return promise.futureResult
        }
        try? await future.get()
    }

    // MARK: The machine (on the loop)

    /// Feeds the machine and carries out what it says.
    func handle(_ input: CallMachine.Input) {
        for action in machine.handle(input) {
            switch action {
            case .enter(.closed):
                break   // reported once the media is finalized (below)
            case .enter(let state):
                reportState(state)
            case .media(let negotiated):
                do {
                    try media.apply(negotiated)
                } catch {
                    endpoint.report(.log(level: .error, text: "\(error)"))
                    hangUpOnLoop()
                }
            case .stopMedia:
                durationTimer?.cancel()
                durationTimer = nil
                media.stop { [self] in
                    reportState(.closed)
                    eventSink.finish()
                    endpoint.callClosed(self)
                    for waiter in closeWaiters { waiter.succeed() }
                    closeWaiters = []
                }
            }
        }
    }

    func reportState(_ state: CallState) {
        switch state {
        case .ringing, .early:
            if milestones.postDialDelay == nil && milestones.setup == nil { milestones.postDialDelay = ContinuousClock.now - began }
        case .active:
            if milestones.setup == nil {
                let now = ContinuousClock.now
                milestones.setup = now - began
                answeredAt = now
            }
        case .closed:
            if let answeredAt { milestones.connected = ContinuousClock.now - answeredAt }
        default:
            break
        }
        var hold: String?
        if case .held(let side) = state { hold = side.description }
        endpoint.report(.callState(call: id, state: state.description, hold: hold))
        emit(.state(state))
    }

    /// A call event, on the call's stream and to its watchers (on the loop).
    func emit(_ event: CallEvent) {
        eventSink.yield(event)
        for watcher in watchers { watcher(event) }
    }
}
