/// Measures each node's exclusive time: the wall time spent in its own `produce`, `process` and
/// `handle` calls, minus the time spent in the downstream calls they made (frames are pushed
/// depth-first, so a node's call contains its successors').
///
/// Used by `callwire bench`. Off unless ``Graph/enableProfiling()`` was called: the data plane
/// then pays one predictable branch per hop. When on, each hop reads the monotonic clock twice
/// (≈ 40 ns), which the per-node figures include.
public final class GraphProfiler {
    @usableFromInline let nanoseconds: UnsafeMutablePointer<Int64>
    @usableFromInline let calls: UnsafeMutablePointer<Int64>
    @usableFromInline let stack: UnsafeMutablePointer<Int>
    @usableFromInline let capacity: Int
    // Touched only on the graph's executor, never re-entrantly. Without `unchecked` every tick
    // paid two runtime exclusivity checks for these, profiling or not (the access was hoisted).
    @exclusivity(unchecked) @usableFromInline var depth = 0
    @exclusivity(unchecked) @usableFromInline var mark: Int64 = 0
    let nodeCount: Int

    init(nodeCount: Int) {
        self.nodeCount = nodeCount
        nanoseconds = .allocate(capacity: max(nodeCount, 1))
        nanoseconds.initialize(repeating: 0, count: max(nodeCount, 1))
        calls = .allocate(capacity: max(nodeCount, 1))
        calls.initialize(repeating: 0, count: max(nodeCount, 1))
        // Pushes follow the links of an acyclic graph, so nesting is at most one frame per node;
        // events and application calls can add a level.
        capacity = nodeCount + 4
        stack = .allocate(capacity: capacity)
    }

    deinit {
        nanoseconds.deallocate()
        calls.deallocate()
        stack.deallocate()
    }

    /// A call into `node` begins: the caller's time so far is charged to the caller.
    @inlinable
    func enter(_ node: Int) {
        let now = RealtimeClock.monotonicNanoseconds()
        if depth > 0 { nanoseconds[stack[depth - 1]] &+= now &- mark }
        if depth < capacity {
            stack[depth] = node
            depth += 1
        }
        calls[node] &+= 1
        mark = now
    }

    /// The innermost call returns: its time since the last mark is its own.
    @inlinable
    func leave() {
        let now = RealtimeClock.monotonicNanoseconds()
        if depth > 0 {
            depth -= 1
            nanoseconds[stack[depth]] &+= now &- mark
        }
        mark = now
    }

    /// Exclusive nanoseconds and calls per node, in graph order.
    func snapshot() -> [(nanoseconds: Int64, calls: Int64)] {
        (0..<nodeCount).map { (nanoseconds[$0], calls[$0]) }
    }
}

/// One node's measured cost over a profiled run.
public struct NodeProfile: Sendable, Equatable {
    /// The node's instance name.
    public var name: String
    /// The node's type.
    public var type: String
    /// Wall time spent in the node itself (not in the nodes it pushed to).
    public var exclusiveTime: Duration
    /// How many calls the node received (produce, process, handle).
    public var calls: Int
}

extension Graph {
    /// Starts measuring each node's exclusive time (see ``GraphProfiler``). Call before running.
    public func enableProfiling() {
        profiling = true
        setDirectRoutes()  // every hop goes through the timed path
    }

    /// Each node's measured cost so far, in graph order; empty unless profiling is enabled.
    public var profile: [NodeProfile] {
        guard profiling else { return [] }
        return zip(nodeInfo, profiler.snapshot()).map { info, measured in
            NodeProfile(name: info.name, type: info.type, exclusiveTime: .nanoseconds(measured.nanoseconds),
                        calls: Int(measured.calls))
        }
    }
}
