public import CallMedia
public import Endpoint
public import MediaCore
import NIOCore
public import NIOEmbedded
public import RTPSession
public import SIPTransport
import Synchronization

/// Whole calls in one process on virtual time: SIP over a ``LoopbackNetwork``, RTP over a
/// ``LoopbackRTPNetwork``, every endpoint's timers and every call's graph on one
/// `NIOAsyncTestingEventLoop`. Ten minutes of calls run in seconds, the same on every run.
///
/// ```swift
/// let net = VirtualNetwork()
/// let bob = try net.caller("bob", host: "127.0.0.12") { $0.listen = true }
/// let alice = try net.caller("alice", host: "127.0.0.11")
/// let call = try await alice.caller.endpoint.dial(try NameAddress.parse("sip:bob@127.0.0.12:5060"))
/// await net.run(for: .seconds(2))
/// #expect(await call.state == .active)
/// ```
public final class VirtualNetwork: @unchecked Sendable {
    /// The loop everything runs on; its clock is the network's time.
    public let loop = NIOAsyncTestingEventLoop()
    /// SIP between the endpoints.
    public let sip: LoopbackNetwork
    /// RTP between the calls.
    public let rtp: LoopbackRTPNetwork
    /// Runs every call's graph on the loop.
    public let media: EventLoopGraphScheduler
    private var probes: [CallerProbe] = []

    /// An empty network at time zero.
    public init() {
        let loop = loop
        sip = LoopbackNetwork(execute: { loop.execute($0) }, now: { loop.now.uptimeNanoseconds })
        rtp = LoopbackRTPNetwork(eventLoop: loop)
        media = EventLoopGraphScheduler(eventLoop: loop)
    }

    /// A runtime for an endpoint at `host:port` on this network.
    public func runtime(host: String, port: Int = 5060) -> EndpointRuntime {
        EndpointRuntime(transport: sip.endpoint(host: host, port: port), eventLoop: loop, rtp: LoopbackPortAllocator(network: rtp),
                        media: media)
    }

    /// A caller (a ``CallerProbe``, keeping its events) at `host:5060` with test defaults —
    /// `--no-audio`, answering after 0.2 s, `sip:user@host` — changed by `configure`. A caller
    /// that does not dial (`to` unset) has started when this returns.
    public func caller(_ user: String, host: String, registry: NodeRegistry,
                       _ configure: (inout CallerOptions) -> Void = { _ in }) async throws -> CallerProbe {
        var options = CallerOptions()
        options.intIP = host
        options.port = 5060
        options.user = user
        options.domain = host
        options.audio = false
        options.autoRespondAfter = 0.2
        configure(&options)
        let probe = try await CallerProbe(options: options, registry: registry, runtime: runtime(host: host, port: options.port))
        probes.append(probe)
        return probe
    }

    /// Runs `duration` of virtual time: every SIP timer, RTCP report and media tick due in it.
    /// Time advances in steps of `step`, letting the test's own tasks (event readers) keep up.
    public func run(for duration: Duration, step: Duration = .milliseconds(100)) async {
        let total = Self.nanoseconds(duration), increment = max(Self.nanoseconds(step), 1)
        var done: Int64 = 0
        while done < total {
            let next = min(increment, total - done)
            await loop.advanceTime(by: .nanoseconds(next))
            done += next
            await Task.yield()
        }
    }

    /// Runs virtual time until `condition` holds (checked every `step`), at most `limit`.
    ///
    /// A condition usually reads events a caller has emitted, which reach the test through an
    /// asynchronous stream: on a loaded machine they can trail the virtual clock, which runs as
    /// fast as the loop does. So once `limit` is spent, the condition gets up to `grace` of real
    /// time (the clock stopped) for what was already emitted to arrive.
    /// - Returns: whether it held.
    @discardableResult
    public func run(until limit: Duration, step: Duration = .milliseconds(20), grace: Duration = .seconds(3),
                    _ condition: () async -> Bool) async -> Bool {
        let total = Self.nanoseconds(limit), increment = max(Self.nanoseconds(step), 1)
        var done: Int64 = 0
        while done < total {
            if await condition() { return true }
            await loop.advanceTime(by: .nanoseconds(increment))
            done += increment
            await Task.yield()
        }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    /// Runs `work` — something that waits on the network, such as a hang-up that completes when
    /// the BYE is answered and the media finalized — while virtual time runs in `step`s until
    /// it returns (at most `limit` of virtual time; the work is then still awaited).
    public func perform<T: Sendable>(limit: Duration = .seconds(60), step: Duration = .milliseconds(20),
                                     _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await work() }
        let finished = Finished()
        let watcher = Task {
            _ = try? await task.value
            finished.set()
        }
        _ = await run(until: limit, step: step) { finished.isSet }
        await watcher.value
        return try await task.value
    }

    /// The network's time since it was made.
    public var now: Duration { .nanoseconds(Int64(loop.now.uptimeNanoseconds)) }

    /// Closes every caller made here (calls hung up, recordings finalized), running time while
    /// they do.
    public func close() async {
        for probe in probes where !probe.isClosed {
            _ = try? await perform(limit: .seconds(40)) { await probe.close() }
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// A flag set once, read from any thread.
private final class Finished: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
