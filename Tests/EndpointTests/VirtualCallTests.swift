import Endpoint
import EndpointTesting
import Foundation
import MediaTesting
import SIPCore
import Testing

/// Whole calls through the proxy on virtual time: endpoints and `callwire server` in one
/// process, SIP and RTP in memory, every timer and media tick on one loop.
@Suite("Calls on virtual time", .serialized)
struct VirtualCallTests {
    @Test("a call through the proxy: media both ways, the caller's BYE ends it on both sides")
    func callAndBye() async throws {
        let world = try VirtualWorld()
        let recording = world.path("bob.wav")
        let bob = try await world.callee("bob", host: "127.0.0.12", pipeline: VirtualWorld.tone(700, recording: recording))
        let alice = try await world.caller("alice", host: "127.0.0.11") { $0.pipeline = VirtualWorld.tone(500) }
        let call = try await alice.caller.endpoint.dial(try world.address("bob"))
        await world.net.run(for: .seconds(3))
        #expect(await call.state == .active)
        let bobCall = try #require(await bob.caller.endpoint.liveCalls.first)
        #expect(await bobCall.state == .active)
        try await world.net.perform { await call.hangUp() }
        #expect(await call.state == .closed)
        #expect(await bobCall.state == .closed)
        #expect(bob.events.contains { if case .callEnded(_, "remote BYE") = $0 { true } else { false } })
        let (heard, rate) = try world.read(recording)
        let seconds = Double(heard.count) / Double(rate)
        #expect(seconds > 2.5 && seconds < 3.1, "bob recorded the call: \(seconds) s")
        #expect(abs(AudioCheck.dominantFrequency(Array(heard.suffix(rate)), sampleRate: rate) - 500) < 10)
        await world.close()
    }
}
