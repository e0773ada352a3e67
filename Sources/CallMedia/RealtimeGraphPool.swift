import Dispatch
import Foundation
public import MediaCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Paces graphs in real time on a few dedicated threads (about one per core), each stepping
/// its share of the graphs once per period at absolute deadlines (`epoch + n·period`, so errors
/// never accumulate). A new graph goes to the thread with the fewest. A tick that starts more
/// than a period after it was due counts as late for every graph on that thread (the thread
/// could not keep up); it runs at once, so media time catches up.
///
/// A thread with no graphs sleeps until one arrives.
public final class RealtimeGraphPool: GraphScheduler, Sendable {
    public var isRealtime: Bool { true }
    private let workers: [Worker]

    /// Starts `threads` threads (nil: one per core).
    public init(threads: Int? = nil, period: Duration = .milliseconds(20)) {
        let count = threads ?? ProcessInfo.processInfo.activeProcessorCount
        workers = (0..<max(count, 1)).map { Worker(index: $0, period: period) }
        for worker in workers { worker.start() }
    }

    public func run(_ graph: Graph, onEnd: @escaping @Sendable (GraphOutcome) -> Void) -> GraphTicket {
        let ticket = GraphTicket(graph: graph)
        let worker = workers.min { $0.load < $1.load } ?? workers[0]
        worker.add(ticket, onEnd: onEnd)
        return ticket
    }

    /// Graphs running on each thread.
    public var loads: [Int] { workers.map(\.load) }

    /// Stops every graph and then every thread; the last graphs may still be finishing (their
    /// `onEnd` comes from the finishing queue) when this returns.
    public func shutdown() { for worker in workers { worker.shutdown() } }
}

private final class Worker: Sendable {
    struct Pending {
        var arrivals: [(GraphTicket, @Sendable (GraphOutcome) -> Void)] = []
        var closing = false
    }

    let index: Int
    let periodNanoseconds: Int64
    private let pending = Mutex(Pending())
    private let wake = DispatchSemaphore(value: 0)
    /// Finishes this thread's graphs that are done, one after another, off the media thread: a
    /// node's stop may wait (a recognizer decoding its last utterance), and the thread's other
    /// graphs must tick on time meanwhile. One serial queue per media thread, so however many
    /// calls end at once, at most one system thread per media thread waits on such a stop.
    private let finisher: DispatchQueue
    private let count = Atomic<Int>(0)

    init(index: Int, period: Duration) {
        self.index = index
        finisher = DispatchQueue(label: "callwire-media-\(index)-finish")
        periodNanoseconds = period.components.seconds * 1_000_000_000 + period.components.attoseconds / 1_000_000_000
    }

    var load: Int { count.load(ordering: .relaxed) }

    func add(_ ticket: GraphTicket, onEnd: @escaping @Sendable (GraphOutcome) -> Void) {
        count.add(1, ordering: .relaxed)
        pending.withLock { $0.arrivals.append((ticket, onEnd)) }
        wake.signal()
    }

    func shutdown() {
        pending.withLock { $0.closing = true }
        wake.signal()
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "callwire-media-\(index)"
        thread.start()
    }

    private func loop() {
        var graphs: [ScheduledGraph] = []
        var epoch: Int64 = 0, tick: Int64 = 0
        let finish: (@escaping @Sendable () -> Void) -> Void = { [finisher] work in finisher.async(execute: work) }
        while true {
            let (arrivals, closing) = pending.withLock { p -> ([(GraphTicket, @Sendable (GraphOutcome) -> Void)], Bool) in
                defer { p.arrivals.removeAll(keepingCapacity: true) }
                return (p.arrivals, p.closing)
            }
            for (ticket, onEnd) in arrivals {
                if closing { ticket.stop() }
                if let entry = ScheduledGraph.start(ticket, realtime: true, onEnd: onEnd) {
                    graphs.append(entry)
                } else {
                    count.subtract(1, ordering: .relaxed)
                }
            }
            if closing { for graph in graphs { graph.ticket.stop() } }
            if graphs.isEmpty {
                if closing { return }
                wake.wait()
                tick = 0
                continue
            }
            let now = RealtimeClock.monotonicNanoseconds()
            if tick == 0 { epoch = now }
            let due = epoch + tick * periodNanoseconds
            if due > now {
                var target = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
                while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
            } else if now - due > periodNanoseconds {
                for graph in graphs { graph.ticket.noteLate() }
            }
            let before = graphs.count
            graphs.removeAll { !$0.tick(finisher: finish) }
            count.subtract(before - graphs.count, ordering: .relaxed)
            tick += 1
        }
    }
}
