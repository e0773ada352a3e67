public import MediaCore
public import NIOCore

/// Steps graphs on an event loop at absolute deadlines (`epoch + n·period`, so no drift). All
/// graphs tick in one task per period, in the order they were started. On an
/// `NIOAsyncTestingEventLoop` this is virtual time: a test that advances the loop by ten minutes
/// runs ten minutes of every call's media, in step with SIP and RTP on the same loop.
public final class EventLoopGraphScheduler: GraphScheduler, @unchecked Sendable {
    /// The loop the graphs run on.
    public let eventLoop: any EventLoop
    /// The tick period.
    public let period: Duration
    public let isRealtime: Bool

    // Confined to `eventLoop`.
    private var graphs: [ScheduledGraph] = []
    private var timer: Scheduled<Void>?
    private var epoch = NIODeadline.uptimeNanoseconds(0)
    private var ticks: Int64 = 0

    /// Creates a scheduler on `eventLoop`.
    /// - Parameter realtime: whether nodes should treat ticks as real time (true for calls,
    ///   also on virtual time: no source may wait for another thread inside a tick).
    public init(eventLoop: any EventLoop, period: Duration = .milliseconds(20), realtime: Bool = true) {
        self.eventLoop = eventLoop
        self.period = period
        isRealtime = realtime
    }

    public func run(_ graph: Graph, onEnd: @escaping @Sendable (GraphOutcome) -> Void) -> GraphTicket {
        let ticket = GraphTicket(graph: graph)
        eventLoop.execute { [self] in
            guard let entry = ScheduledGraph.start(ticket, realtime: isRealtime, onEnd: onEnd) else { return }
            graphs.append(entry)
            if timer == nil {
                epoch = eventLoop.now
                ticks = 0
                tick()
            }
        }
        return ticket
    }

    /// How many graphs are running.
    public var runningCount: Int {
        get async {
            (try? await eventLoop.submit { [self] in graphs.count }.get()) ?? 0
        }
    }

    private func tick() {
        let due = epoch + .nanoseconds(ticks * periodNanoseconds)
        if eventLoop.now > due + .nanoseconds(periodNanoseconds) {
            for graph in graphs { graph.ticket.noteLate() }
        }
        graphs.removeAll { !$0.tick() }
        ticks += 1
        guard !graphs.isEmpty else {
            timer = nil
            return
        }
        timer = eventLoop.scheduleTask(deadline: epoch + .nanoseconds(ticks * periodNanoseconds)) { [self] in tick() }
    }

    private var periodNanoseconds: Int64 {
        period.components.seconds * 1_000_000_000 + period.components.attoseconds / 1_000_000_000
    }
}
