public import Endpoint
public import MediaCore
import Synchronization

/// A ``Caller`` on 127.0.0.1 (ephemeral port, no sound card) that keeps every event it
/// reports, for tests of programs built on Callwire: wait for an event, read them all.
public final class CallerProbe: @unchecked Sendable {
    /// The caller under test.
    public let caller: Caller
    private let log = Mutex<[CallerEvent]>([])
    private var reader: Task<Void, Never>?
    private let closedFlag = Atomic<Bool>(false)

    /// Starts a caller with test defaults (127.0.0.1, port 0, `--no-audio`, 0.2 s to answer),
    /// changed by `configure`. A caller with no `to` starts listening at once; one that calls
    /// is started by the test with `caller.start()`.
    public init(registry: NodeRegistry, _ configure: (inout CallerOptions) -> Void) async throws {
        var options = CallerOptions()
        options.intIP = "127.0.0.1"
        options.port = 0
        options.domain = "127.0.0.1"
        options.audio = false
        options.autoRespondAfter = 0.2
        configure(&options)
        caller = try await Caller(options, registry: registry)
        reader = Task { [caller, self] in
            for await event in caller.events { log.withLock { $0.append(event) } }
        }
        if options.to == nil { await caller.start() }
    }

    /// A caller on an injected runtime (``VirtualNetwork``): `options` as given. One that does
    /// not dial (`to` unset) is started.
    public init(options: CallerOptions, registry: NodeRegistry, runtime: EndpointRuntime) async throws {
        caller = try Caller(options, registry: registry, runtime: runtime)
        reader = Task { [caller, self] in
            for await event in caller.events { log.withLock { $0.append(event) } }
        }
        if options.to == nil { await caller.start() }
    }

    /// Whether ``close()`` has finished.
    public var isClosed: Bool { closedFlag.load(ordering: .acquiring) }

    /// `sip:user@127.0.0.1:port` of this caller.
    public func address(_ user: String) -> String { "sip:\(user)@\(caller.listeningAddress())" }

    /// Everything reported so far.
    public var events: [CallerEvent] { log.withLock { $0 } }

    /// Waits until an event matches.
    /// - Throws: ``ProbeTimeout`` listing what was reported, after `timeout`.
    @discardableResult
    public func expect(_ what: String, timeout: Duration = .seconds(10),
                       _ match: @escaping @Sendable (CallerEvent) -> Bool) async throws -> CallerEvent {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let hit = events.first(where: match) { return hit }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProbeTimeout(description: "timed out waiting for \(what); events: \(events)")
    }

    /// Closes the caller and waits for its last event.
    public func close() async {
        await caller.close()
        await reader?.value
        closedFlag.store(true, ordering: .releasing)
    }

    /// Waits for the job's exit status, then closes, so every event is in ``events``.
    public func finished() async -> Int32 {
        let status = await caller.wait()
        await close()
        return status
    }
}

/// ``CallerProbe/expect(_:timeout:_:)`` gave up.
public struct ProbeTimeout: Error, CustomStringConvertible {
    /// What was awaited and what was reported instead.
    public var description: String
}
