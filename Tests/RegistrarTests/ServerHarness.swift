import CallwireBuiltins
import Endpoint
import Foundation
import NIOPosix
import Registrar
import SIPCore
import SIPDialog
import SIPTransport
import Synchronization
import Testing

/// The server on 127.0.0.1 with an ephemeral UDP port.
struct TestServer {
    let server: SIPServer
    let transport: SIPNetworkTransport
    var port: Int { transport.listening[0].port }
    /// The domain callers use: `localhost:PORT`.
    var domain: String { "localhost:\(port)" }

    init(port: Int = 0, _ configure: (inout SIPServer.Options) -> Void = { _ in }) async throws {
        var options = SIPServer.Options()
        configure(&options)
        transport = try await SIPNetworkTransport.start(TransportOptions(listeners: [.init(kind: .udp, host: "127.0.0.1", port: port)]))
        let stack = SIPStack(transport: transport, eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
                             advertised: transport.listening[0])
        server = SIPServer(stack: stack, listening: transport.listening, options: options)
    }

    func close() async { await transport.close() }
}

/// A caller on 127.0.0.1 and everything it reported.
final class TestCaller: @unchecked Sendable {
    let caller: Caller
    private let log = Mutex<[CallerEvent]>([])
    private var reader: Task<Void, Never>?

    init(_ configure: (inout CallerOptions) -> Void) async throws {
        var options = CallerOptions()
        options.intIP = "127.0.0.1"
        options.port = 0
        options.audio = false
        options.autoRespondAfter = 0.2
        configure(&options)
        caller = try await Caller(options, registry: BuiltinPlugins.registry())
        reader = Task { [caller, self] in
            for await event in caller.events { log.withLock { $0.append(event) } }
        }
    }

    var events: [CallerEvent] { log.withLock { $0 } }

    @discardableResult
    func expect(_ what: String, timeout: Duration = .seconds(10), _ match: @escaping @Sendable (CallerEvent) -> Bool) async throws -> CallerEvent {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let hit = events.first(where: match) { return hit }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what); events: \(events)")
        throw ServerTestFailure("timed out waiting for \(what)")
    }

    func close() async {
        await caller.close()
        await reader?.value
    }

    /// Waits for the job's exit status, then closes, so every event is in ``events``.
    func finished() async -> Int32 {
        let status = await caller.wait()
        await close()
        return status
    }
}

struct ServerTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func isRegistered(_ event: CallerEvent) -> Bool { if case .registered = event { true } else { false } }
