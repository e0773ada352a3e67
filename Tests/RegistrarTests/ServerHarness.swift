import CallwireBuiltins
import Endpoint
import EndpointTesting
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
    var port: Int { server.listening[0].port }
    /// The domain callers use: `localhost:PORT`.
    var domain: String { "localhost:\(port)" }

    init(port: Int = 0, _ configure: (inout SIPServer.Options) -> Void = { _ in }) async throws {
        var options = SIPServer.Options()
        configure(&options)
        server = try await SIPServer.start(options, transport: TransportOptions(listeners: [.init(kind: .udp, host: "127.0.0.1", port: port)]))
    }

    func close() async { await server.close() }
}

/// A caller on 127.0.0.1 with the built-in processors (see ``CallerProbe``).
typealias TestCaller = CallerProbe

extension CallerProbe {
    convenience init(_ configure: (inout CallerOptions) -> Void) async throws {
        try await self.init(registry: BuiltinPlugins.registry()) { options in
            options.domain = "localhost"
            configure(&options)
        }
    }
}

struct ServerTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func isRegistered(_ event: CallerEvent) -> Bool { if case .registered = event { true } else { false } }
