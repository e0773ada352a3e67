import Synchronization

/// A built, negotiated media graph, ready to run.
///
/// ```
///            tick n (driven by a MediaClock)
///   ┌────────┐  frame   ┌──────┐  frame   ┌─────────────┐  frame   ┌───────────────┐
///   │ sine   │ ───────▶ │ gain │ ───────▶ │ pcmu-encoder│ ───────▶ │ null-sink     │
///   └────────┘          └──────┘          └─────────────┘          └───────────────┘
///     produce()          process()          process()                process()
/// ```
///
/// Each tick, every source produces one period of media and pushes it; pushes run synchronously
/// through the downstream nodes (depth first). When a source ends it sends end-of-stream down each
/// path; a node sees it once per input, and by default forwards it when all inputs have ended. ``finish()`` ends any remaining
/// sources and stops every node, so files are finalized whether the graph ended or was stopped.
///
/// Threading: the graph is confined to one thread at a time (its executor) for ``start()``,
/// ``step()``, ``finish()`` and ``run(clock:limit:)``. ``requestStop()`` and
/// ``send(_:to:)`` may be called from any thread.
public final class Graph: @unchecked Sendable {
    /// What the graph knows about one node.
    public struct NodeInfo: Sendable {
        /// The instance name.
        public var name: String
        /// The node type name (`sine`, `wav-recorder`).
        public var type: String
        /// Where the node was written, if it came from text.
        public var location: SourceLocation?
        /// Negotiated input formats, by port.
        public var inputFormats: [MediaFormat]
        /// Negotiated output formats, by port.
        public var outputFormats: [MediaFormat]
    }

    @usableFromInline let nodes: ContiguousArray<any MediaNode>
    /// Per-node information, in topological order (sources first).
    public let nodeInfo: [NodeInfo]
    /// The duration of one tick.
    public let period: Duration

    /// Where each node's output ports start in the slot tables (`nodes.count + 1` entries).
    @usableFromInline let portBase: UnsafeMutablePointer<Int>
    @usableFromInline let slots: UnsafeMutablePointer<SlotRange>
    private let routeObjects: [Route]
    @usableFromInline let routes: UnsafeMutablePointer<Unmanaged<Route>>
    /// Per output slot, the route a push takes without a lookup (see GraphRouting.swift).
    @usableFromInline let direct: UnsafeMutablePointer<Unmanaged<Route>?>
    /// Per node, what its contexts point to.
    @usableFromInline let records: UnsafeMutablePointer<NodeRecord>
    private let inputCounts: [Int]
    @exclusivity(unchecked) var endedInputs: [Int]

    /// A source as the tick loop sees it (borrowed at +0 through `Unmanaged`, like routes).
    final class SourceEntry {
        let node: any SourceNode
        let record: UnsafePointer<NodeRecord>

        init(node: any SourceNode, record: UnsafePointer<NodeRecord>) {
            self.node = node
            self.record = record
        }

        var index: Int { record.pointee.index }

        /// Calls `produce`; a thrown error goes to `thrown` (and the flow reads as ended).
        @inline(__always)
        func produce(error thrown: inout NodeError?) -> FlowResult {
            do throws(NodeError) {
                return try node.produce(NodeContext(record: record))
            } catch {
                thrown = error
                return .endOfStream
            }
        }
    }

    private let sourceObjects: [SourceEntry]
    /// The sources that have not ended, in topological order: `live[0..<liveCount]`.
    private let live: UnsafeMutablePointer<Unmanaged<SourceEntry>>
    @exclusivity(unchecked) private var liveCount: Int
    private var stopped = false
    private var started = false

    // Per-tick state below is touched only on the graph's executor (see the class comment),
    // never re-entrantly: the runtime exclusivity check would cost more than the work.
    @exclusivity(unchecked) @usableFromInline var currentTick: Int64 = 0
    /// Whether the graph is paced by a real-time clock (set by ``run(clock:limit:)``).
    public internal(set) var isRealtime = false
    private let periodNanoseconds: Int64
    @exclusivity(unchecked) var failure: (node: Int, error: NodeError)?

    private let inbox = Mutex<[(node: Int, event: MediaEvent)]>([])
    private let eventsPending = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    @exclusivity(unchecked) @usableFromInline var cachedRate = 0
    @exclusivity(unchecked) @usableFromInline var cachedSamplesPerTick = 0
    private let messageHandler = Mutex<MessageHandler?>(nil)
    /// Per-node timing for `callwire bench`; consulted only when `profiling` is set.
    @usableFromInline let profiler: GraphProfiler
    @exclusivity(unchecked) @usableFromInline var profiling = false

    /// Creates a graph from nodes in topological order and their links.
    ///
    /// Normally built by ``GraphPlan/makeGraph(period:)``; exposed for tests and embedders.
    /// - Parameters:
    ///   - nodes: node instances with their information, sources first.
    ///   - links: `(from node, output port) → (to node, input port)` pairs (node indexes into `nodes`).
    ///   - period: the tick duration.
    public init(nodes: [(node: any MediaNode, info: NodeInfo)],
                links: [(from: (node: Int, port: Int), to: (node: Int, port: Int))],
                period: Duration = .milliseconds(20)) {
        self.nodes = ContiguousArray(nodes.map(\.node))
        nodeInfo = nodes.map(\.info)
        self.period = period
        let (s, a) = period.components
        periodNanoseconds = s * 1_000_000_000 + a / 1_000_000_000

        var base: [Int] = []
        var total = 0
        for (_, info) in nodes {
            base.append(total)
            total += info.outputFormats.count
        }
        base.append(total)
        // Routes point at their target's record; the records are filled in once `self` exists.
        let records = UnsafeMutablePointer<NodeRecord>.allocate(capacity: max(nodes.count, 1))
        var buckets = [[Route]](repeating: [], count: total)
        var inCounts = [Int](repeating: 0, count: nodes.count)
        for link in links {
            buckets[base[link.from.node] + link.from.port].append(
                Route(target: nodes[link.to.node].node, port: link.to.port,
                      record: UnsafePointer(records + link.to.node)))
            inCounts[link.to.node] += 1
        }
        var ranges: [SlotRange] = []
        var flat: [Route] = []
        for bucket in buckets {
            ranges.append(SlotRange(start: flat.count, end: flat.count + bucket.count))
            flat.append(contentsOf: bucket)
        }
        portBase = Self.copy(base)
        slots = Self.copy(ranges)
        routeObjects = flat
        routes = Self.copy(flat.map { Unmanaged.passUnretained($0) })
        direct = Self.copy([Unmanaged<Route>?](repeating: nil, count: total))
        self.records = records
        inputCounts = inCounts
        endedInputs = [Int](repeating: 0, count: nodes.count)
        sourceObjects = nodes.enumerated().compactMap { index, entry in
            (entry.node as? any SourceNode).map { SourceEntry(node: $0, record: UnsafePointer(records + index)) }
        }
        live = Self.copy(sourceObjects.map { Unmanaged.passUnretained($0) })
        liveCount = sourceObjects.count
        profiler = GraphProfiler(nodeCount: nodes.count)
        for index in nodes.indices {
            (records + index).initialize(to: NodeRecord(graph: .passUnretained(self), index: index,
                                                        direct: direct + base[index]))
        }
        setDirectRoutes()
    }

    deinit {
        portBase.deallocate()
        slots.deallocate()
        routes.deallocate()
        direct.deallocate()
        records.deinitialize(count: nodes.count)
        records.deallocate()
        live.deallocate()
    }

    /// The context handed to node `index` (a pointer to its record).
    func context(_ index: Int) -> NodeContext { NodeContext(record: records + index) }

    private static func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        buffer.initialize(from: values, count: values.count)
        return buffer
    }

    // MARK: - Control from any thread

    /// Asks a running graph to stop at the next tick boundary. Thread-safe.
    public func requestStop() { stopRequested.store(true, ordering: .releasing) }

    /// Whether ``requestStop()`` was called.
    public var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    /// Queues `event` for the node named `name`; it is handled at the start of the next tick.
    /// Thread-safe.
    /// - Returns: `false` when no node has that name.
    @discardableResult
    public func send(_ event: MediaEvent, to name: String) -> Bool {
        guard let index = nodeInfo.firstIndex(where: { $0.name == name }) else { return false }
        inbox.withLock { $0.append((index, event)) }
        eventsPending.store(true, ordering: .releasing)
        return true
    }

    /// Sets the function that receives events posted by nodes. It is called on the graph's
    /// executor, so it must return quickly (hand the message to a stream or a queue).
    public func setMessageHandler(_ handler: (@Sendable (GraphMessage) -> Void)?) {
        let box = handler.map(MessageHandler.init)
        messageHandler.withLock { $0 = box }
    }

    /// The node instance named `name`, for embedders that configure nodes directly.
    public func node(named name: String) -> (any MediaNode)? {
        nodeInfo.firstIndex { $0.name == name }.map { nodes[$0] }
    }

    /// All node instances in topological order.
    public var allNodes: [any MediaNode] { Array(nodes) }

    // MARK: - Running (on the graph's executor)

    /// The tick about to run (the number of ticks run so far).
    public var tick: Int64 { currentTick }

    /// Media time covered so far.
    public var elapsed: Duration { period * Int(currentTick) }

    /// Whether every source has ended.
    public var isFinished: Bool { liveCount == 0 }

    /// The sources' longest expected duration, or `nil` if one of them is open-ended.
    public var expectedDuration: Duration? {
        var longest = Duration.zero
        for source in sourceObjects {
            guard let d = source.node.expectedDuration else { return nil }
            longest = max(longest, d)
        }
        return longest
    }

    /// Whether every source ends by itself, so a run on the virtual clock terminates.
    public var endsByItself: Bool { sourceObjects.allSatisfy { $0.node.endsByItself } }

    /// Starts every node (sources last, so sinks are ready before media flows).
    public func start() throws(GraphRunError) {
        guard !started else { return }
        started = true
        for index in nodes.indices.reversed() {
            do {
                try nodes[index].start(context(index))
            } catch {
                throw runError(index, error)
            }
        }
    }

    /// Runs one tick: delivers queued application events, then lets every live source produce.
    /// - Returns: `false` once every source has ended.
    @discardableResult
    public func step() throws(GraphRunError) -> Bool {
        if eventsPending.load(ordering: .acquiring) { try deliverApplicationEvents() }
        var i = 0
        while i < liveCount {
            // The error comes out beside the flow result (not as a Result, which the loop
            // would destroy on every pass): it is one reference, nil unless the source threw.
            var thrown: NodeError?
            let flow = live[i]._withUnsafeGuaranteedRef { source -> FlowResult in
                if _slowPath(profiling) { return produceProfiled(source, error: &thrown) }
                return source.produce(error: &thrown)
            }
            if let thrown { throw sourceFailure(live[i], thrown) }
            if flow == .endOfStream {
                try endSource(at: i)  // the next live source moves down to `i`
            } else {
                i += 1
            }
        }
        currentTick &+= 1
        return liveCount > 0
    }

    @inline(never)  // the profiled path stays out of the tick loop
    private func produceProfiled(_ source: SourceEntry, error thrown: inout NodeError?) -> FlowResult {
        profiler.enter(source.index)
        defer { profiler.leave() }
        return source.produce(error: &thrown)
    }

    @inline(never)
    private func sourceFailure(_ entry: Unmanaged<SourceEntry>, _ error: NodeError) -> GraphRunError {
        let index = entry.takeUnretainedValue().index
        return runError(failure?.node ?? index, failure?.error ?? error)
    }

    private func deliverApplicationEvents() throws(GraphRunError) {
        let pending = inbox.withLock { queue -> [(node: Int, event: MediaEvent)] in
            eventsPending.store(false, ordering: .relaxed)
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        for (index, event) in pending {
            if profiling { profiler.enter(index) }
            defer { if profiling { profiler.leave() } }
            do {
                try nodes[index].handle(event, from: .application, context: context(index))
            } catch {
                throw runError(failure?.node ?? index, failure?.error ?? error)
            }
        }
    }

    /// Ends remaining sources (end-of-stream flows down) and stops every node. Idempotent.
    public func finish() throws(GraphRunError) {
        guard !stopped else { return }
        var firstError: GraphRunError?
        while liveCount > 0 {
            do { try endSource(at: 0) } catch { firstError = firstError ?? error }
        }
        stopped = true
        for index in nodes.indices {
            nodes[index].stop(context(index))
        }
        if let firstError { throw firstError }
    }

    /// Runs the graph on `clock` until every source ends, `limit` of media time has run, or
    /// ``requestStop()`` is called; then finishes it. Blocks the calling thread.
    /// - Returns: what ran, with each node's summary.
    public func run(clock: some MediaClock, limit: Duration? = nil) throws(GraphRunError) -> GraphRunReport {
        var clock = clock
        isRealtime = !clock.isVirtual
        let wallStart = RealtimeClock.monotonicNanoseconds()
        let maxTicks = limit.map { Int64(($0.secondsDouble / period.secondsDouble).rounded(.up)) }
        var runError: GraphRunError?
        do {
            try start()
            while !isStopRequested {
                if let maxTicks, currentTick >= maxTicks { break }
                clock.waitUntilDue(tick: currentTick, period: period)
                if isStopRequested { break }
                if try !step() { break }
            }
        } catch {
            runError = error
        }
        do { try finish() } catch { runError = runError ?? error }
        if let runError { throw runError }
        let wall = RealtimeClock.monotonicNanoseconds() - wallStart
        return report(wallTime: .nanoseconds(wall), stoppedEarly: isStopRequested)
    }

    // MARK: - Internals used by NodeContext

    /// Samples of `rate` in tick `tick`; exact, with a cached fast path when a period holds a
    /// whole number of samples (20 ms at 8, 16, 44.1, 48 kHz…).
    @inlinable
    func samplesInTick(_ tick: Int64, rate: Int) -> Int {
        if rate == cachedRate { return cachedSamplesPerTick }
        return samplesInTickSlowPath(tick, rate: rate)
    }

    @usableFromInline
    func samplesInTickSlowPath(_ tick: Int64, rate: Int) -> Int {
        let product = periodNanoseconds * Int64(rate)
        if product % 1_000_000_000 == 0 {
            cachedRate = rate
            cachedSamplesPerTick = Int(product / 1_000_000_000)
            return cachedSamplesPerTick
        }
        return sampleBoundary(tick: tick + 1, rate: rate) - sampleBoundary(tick: tick, rate: rate)
    }

    @usableFromInline
    func sampleBoundary(tick: Int64, rate: Int) -> Int {
        // floor(tick · period · rate) in exact integer arithmetic: 128-bit product, then divide.
        let product = tick.multipliedFullWidth(by: periodNanoseconds * Int64(rate))
        return Int(Int64(1_000_000_000).dividingFullWidth(product).quotient)
    }

    @usableFromInline
    func outputCount(of node: Int) -> Int { portBase[node + 1] - portBase[node] }

    func allInputsEnded(_ node: Int) -> Bool { endedInputs[node] >= inputCounts[node] }

    func post(_ message: GraphMessage) {
        let handler = messageHandler.withLock { $0 }
        handler?.call(message)
    }

    /// Takes live source `position` off the tick list and sends end-of-stream from each of its
    /// output ports.
    private func endSource(at position: Int) throws(GraphRunError) {
        let index = live[position].takeUnretainedValue().index
        liveCount -= 1
        (live + position).update(from: live + position + 1, count: liveCount - position)
        do {
            for port in 0..<outputCount(of: index) {
                try deliver(event: .endOfStream, from: index, port: port)
            }
        } catch {
            throw runError(failure?.node ?? index, failure?.error ?? error)
        }
    }

    private func runError(_ index: Int, _ error: NodeError) -> GraphRunError {
        GraphRunError(node: nodeInfo[index].name, location: nodeInfo[index].location, underlying: error)
    }
}

/// Holds a callback behind a lock. A closure kept directly in a `Mutex` is re-abstracted on
/// every `withLock { $0 }` (the inout value is written back through thunks), so each read would
/// wrap it once more until the stack overflows; a class reference does not change.
private final class MessageHandler: Sendable {
    let call: @Sendable (GraphMessage) -> Void
    init(_ call: @escaping @Sendable (GraphMessage) -> Void) { self.call = call }
}
