import CallwireBuiltins
import Endpoint
import EndpointTesting
import Foundation
import MediaTesting
import Registrar
import SIPCore
import SIPDialog
import SIPTransport

/// The virtual-time suite's world: a ``VirtualNetwork`` with `callwire server`'s registrar and
/// proxy at 127.0.0.10:5060 and callers that register with it.
final class VirtualWorld: @unchecked Sendable {
    let net = VirtualNetwork()
    let server: SIPServer
    static let domain = "127.0.0.10:5060"
    let registry = BuiltinPlugins.registry()
    let directory: URL

    init() throws {
        let transport = net.sip.endpoint(host: "127.0.0.10", port: 5060)
        let stack = SIPStack(transport: transport, eventLoop: net.loop, advertised: transport.listening[0])
        server = SIPServer(stack: stack, listening: transport.listening, options: SIPServer.Options())
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtual-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A caller registered with the server as `user`, on its own host.
    func caller(_ user: String, host: String, _ configure: (inout CallerOptions) -> Void = { _ in }) async throws -> CallerProbe {
        let probe = try await net.caller(user, host: host, registry: registry) { options in
            options.domain = Self.domain
            options.register = true
            configure(&options)
        }
        if probe.caller.options.to == nil {
            _ = await net.run(until: .seconds(5)) { probe.events.contains { if case .registered = $0 { true } else { false } } }
        }
        return probe
    }

    /// A listening caller that answers after `answerAfter` seconds with this pipeline.
    func callee(_ user: String, host: String, pipeline: String, maxCalls: Int = 1, answerAfter: Double = 0.2,
                _ configure: (inout CallerOptions) -> Void = { _ in }) async throws -> CallerProbe {
        try await caller(user, host: host) { options in
            options.listen = true
            options.pipeline = pipeline
            options.maxCalls = maxCalls
            options.autoRespondAfter = answerAfter
            configure(&options)
        }
    }

    /// `sip:user@domain` as a name-address.
    func address(_ user: String) throws -> NameAddress { try NameAddress.parse("sip:\(user)@\(Self.domain)") }

    /// A path in this world's scratch folder.
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A tone sender that hears into a recorder (mono, at 8 kHz).
    static func tone(_ frequency: Int, recording: String? = nil) -> String {
        "sine freq=\(frequency) rate=8000 level=-12dB ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! "
            + (recording.map { "wav-recorder path=\"\($0)\"" } ?? "null-sink")
    }

    /// The samples of a mono recording, with its rate.
    func read(_ path: String) throws -> (samples: [Int16], rate: Int) {
        let (rate, channels) = try readChannels(path)
        return (channels.first ?? [], rate)
    }

    func close() async { await net.close() }
}
