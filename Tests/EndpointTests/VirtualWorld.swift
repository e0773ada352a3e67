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
        server = SIPServer.start(SIPServer.Options(), on: transport, eventLoop: net.loop)
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

    /// Bob listening with `bob`'s pipeline, Alice calling him through the proxy with `alice`'s,
    /// and Alice's call after `duration` of virtual time.
    func aliceCallsBob(bob: String, alice: String, answerAfter: Double = 0.2, run duration: Duration = .seconds(1),
                       _ configureAlice: (inout CallerOptions) -> Void = { _ in }) async throws -> (alice: CallerProbe, bob: CallerProbe, call: Call) {
        let bobProbe = try await callee("bob", host: "127.0.0.12", pipeline: bob, answerAfter: answerAfter)
        let aliceProbe = try await caller("alice", host: "127.0.0.11") { options in
            options.pipeline = alice
            configureAlice(&options)
        }
        let call = try await aliceProbe.caller.endpoint.dial(try address("bob"))
        await net.run(for: duration)
        return (aliceProbe, bobProbe, call)
    }

    /// The one call `probe` has.
    func onlyCall(of probe: CallerProbe) async throws -> Call {
        guard let call = await probe.caller.endpoint.liveCalls.first else { throw SetupFailure("\(probe.caller.options.user) has no call") }
        return call
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

struct SetupFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
