import CallwireBuiltins
import CallwireCLI
import Endpoint
import Foundation
import MediaTesting
import SIPCore
import Testing

/// The rtclite manual's "Common Tasks", with `callwire` callers and `callwire server`
/// (in-process, on 127.0.0.1).
@Suite("The manual's examples through the server", .serialized, .timeLimit(.minutes(2)))
struct ManualExampleTests {
    @Test("IM: alice and bob register, chat through the server; after alice leaves, bob gets 480")
    func chat() async throws {
        let server = try await TestServer()
        let alice = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = server.domain
        }
        await alice.caller.start()
        try await alice.expect("alice registered") { $0 == .registered(aor: "sip:alice@\(server.domain)", expires: 3600) }
        #expect(alice.events.first(where: isRegistered)?.logLine?.text == "registered with SIP server as sip:alice@\(server.domain)")
        let bob = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "bob"
            $0.domain = server.domain
            $0.to = try? NameAddress.parse("sip:alice@\(server.domain)")
            $0.send = "hello"
        }
        bob.caller.input("how are you?")
        await bob.caller.start()
        try await alice.expect("hello") { if case .messageReceived(_, "hello") = $0 { true } else { false } }
        try await alice.expect("how are you?") { if case .messageReceived(_, "how are you?") = $0 { true } else { false } }
        alice.caller.input("I am good, and you?")
        try await bob.expect("the reply") { if case .messageReceived(_, "I am good, and you?") = $0 { true } else { false } }
        await alice.close()
        #expect(alice.events.contains { if case .unregistered(_, 200) = $0 { true } else { false } })
        bob.caller.input("are you still there?")
        let failure = try await bob.expect("480") { if case .response("MESSAGE", 480, _, _, _) = $0 { true } else { false } }
        #expect(failure.logLine?.text == "received response: 480 Temporarily Unavailable")
        await bob.close()
        await server.close()
    }

    @Test("voice: bob calls alice through the server; the audio arrives and the BYE follows the Record-Route")
    func voice() async throws {
        let server = try await TestServer()
        let alice = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = server.domain
            $0.pipeline = "sine freq=1000 rate=8000 level=-12dB ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink"
        }
        await alice.caller.start()
        try await alice.expect("alice registered", isRegistered)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voice-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let recording = directory.appendingPathComponent("bob.wav").path
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse("sip:alice@\(server.domain)")
            $0.record = recording
            $0.duration = 2
        }
        await bob.caller.start()
        #expect(await bob.finished() == 0)
        await bob.close()
        try await alice.expect("the BYE reached alice") { if case .callEnded(_, "remote BYE") = $0 { true } else { false } }
        await alice.close()
        await server.close()
        #expect(bob.events.contains { if case .response("INVITE", 200, _, "inviting", _) = $0 { true } else { false } })
        let harness = try NodeHarness(pipeline: "wav-player path=\"\(recording)\"", registry: BuiltinPlugins.registry())
        harness.clock.advance(by: .seconds(10))
        let samples = harness.outputSamples(), rate = harness.negotiatedOutput?.clockRate ?? 0
        try harness.finish()
        let right = stride(from: 1, to: samples.count, by: 2).map { samples[$0] }
        #expect(abs(AudioCheck.dominantFrequency(Array(right.dropFirst(rate / 2)), sampleRate: rate) - 1_000) < 15)
    }
}
