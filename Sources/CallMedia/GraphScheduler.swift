public import MediaCore
import Synchronization

/// Runs call graphs: starts each one, steps it once per period (20 ms) until its sources end or
/// it is stopped, then finishes it (recorders close their files) and reports the outcome.
///
/// One scheduler serves every call of an endpoint, so many calls share a few threads instead of
/// one thread per call. ``RealtimeGraphPool`` paces graphs on dedicated threads;
/// ``EventLoopGraphScheduler`` steps them on an event loop — on a test's
/// `NIOAsyncTestingEventLoop`, graphs run on virtual time, in step with SIP and RTP.
public protocol GraphScheduler: Sendable {
    /// Whether ticks follow real time (sources never wait for data in a tick).
    var isRealtime: Bool { get }

    /// Starts `graph` on the scheduler and steps it from the next tick.
    /// - Parameter onEnd: called once after the graph finished: on the scheduler's thread, or on
    ///   a queue of its own for a real-time pool (finishing may wait for a node's stop).
    /// - Returns: the handle that stops it.
    func run(_ graph: Graph, onEnd: @escaping @Sendable (GraphOutcome) -> Void) -> GraphTicket
}

/// How a scheduled graph ended.
public struct GraphOutcome: Sendable {
    /// What ran (media time, node summaries); nil when the graph could not start.
    public var report: GraphRunReport?
    /// The failure that ended it early, if any.
    public var error: GraphRunError?
    /// Ticks that ran more than one period after they were due (the thread was late).
    public var lateTicks: Int
}

/// A running graph's handle: stop it, or read how late its ticks ran.
public final class GraphTicket: Sendable {
    /// The graph.
    public let graph: Graph
    private let late = Atomic<Int>(0)

    init(graph: Graph) { self.graph = graph }

    /// Asks the scheduler to finish the graph at the next tick boundary. Thread-safe.
    public func stop() { graph.requestStop() }

    /// Ticks so far that ran more than a period after they were due.
    public var lateTicks: Int { late.load(ordering: .relaxed) }

    func noteLate() { late.add(1, ordering: .relaxed) }
}

/// One tick of one scheduled graph: step it, and finish it when it is done. Shared by the
/// schedulers, on whichever thread runs the graph.
struct ScheduledGraph {
    let ticket: GraphTicket
    let onEnd: @Sendable (GraphOutcome) -> Void
    let startedAt: ContinuousClock.Instant

    /// Starts the graph; on failure reports it ended and returns nil.
    static func start(_ ticket: GraphTicket, realtime: Bool, onEnd: @escaping @Sendable (GraphOutcome) -> Void) -> ScheduledGraph? {
        do {
            try ticket.graph.start(realtime: realtime)
        } catch {
            try? ticket.graph.finish()
            onEnd(GraphOutcome(report: nil, error: error, lateTicks: 0))
            return nil
        }
        return ScheduledGraph(ticket: ticket, onEnd: onEnd, startedAt: .now)
    }

    /// Runs one tick. Returns false once the graph is done: it is then finished (nodes stopped,
    /// files closed) and `onEnd` called — inline, or through `finisher` when given, so a node
    /// whose stop waits (a recognizer finishing its last utterance, a recorder closing a file)
    /// does not hold up the other graphs of a media thread.
    func tick(finisher: ((@escaping @Sendable () -> Void) -> Void)? = nil) -> Bool {
        let graph = ticket.graph
        var failure: GraphRunError?
        if !graph.isStopRequested {
            do {
                if try graph.step() { return true }
            } catch {
                failure = error
            }
        }
        // The graph is ticked no more: whoever finishes it is its only user from here on.
        let finish: @Sendable () -> Void = { [ticket, onEnd, startedAt, failure] in
            var failure = failure
            let graph = ticket.graph
            do throws(GraphRunError) { try graph.finish() } catch { failure = failure ?? error }
            let wall = ContinuousClock.now - startedAt
            onEnd(GraphOutcome(report: graph.report(wallTime: wall, stoppedEarly: graph.isStopRequested), error: failure,
                               lateTicks: ticket.lateTicks))
        }
        if let finisher { finisher(finish) } else { finish() }
        return false
    }
}
