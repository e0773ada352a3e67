import Endpoint
import EndpointTesting
import Foundation
import MediaTesting
import SIPCore
import Testing

/// One security view per call (issue 19): what `--srtp` and `--srtp-keying` settle between two
/// endpoints on virtual time — the suite in the `codec` event, in ``Call/security`` and in
/// `/calls`, the SDES warning, media that still arrives through SRTP, and the 488s of policies
/// that cannot meet. Every session of a virtual endpoint runs on a ``SecureRTPSocketPair`` over
/// the in-memory RTP network, as on UDP.
@Suite("Media security on virtual time", .serialized)
struct VirtualSecurityTests {
    /// Bob listening with a 700 Hz tone, Alice calling him with a 500 Hz tone into `recording`,
    /// each configured; the call after `duration` of virtual time.
    func call(_ world: VirtualWorld, recording: String, run duration: Duration = .seconds(2),
              alice configureAlice: @escaping (inout CallerOptions) -> Void = { _ in },
              bob configureBob: @escaping (inout CallerOptions) -> Void = { _ in })
        async throws -> (alice: CallerProbe, bob: CallerProbe, call: Call) {
        let bob = try await world.callee("bob", host: "127.0.0.12", pipeline: VirtualWorld.tone(700), configureBob)
        let alice = try await world.caller("alice", host: "127.0.0.11") { options in
            options.pipeline = VirtualWorld.tone(500, recording: recording)
            configureAlice(&options)
        }
        let call = try await alice.caller.endpoint.dial(try world.address("bob"))
        await world.net.run(for: duration)
        return (alice, bob, call)
    }

    /// The `security` of every `codec` event `probe` reported.
    func securities(_ probe: CallerProbe) -> [String] {
        probe.events.compactMap { event -> String? in
            if case .codec(_, _, _, _, let security) = event { security } else { nil }
        }
    }

    /// The texts of `probe`'s log events at `level`.
    func logs(_ probe: CallerProbe, _ level: LogLevel) -> [String] {
        probe.events.compactMap { event -> String? in
            if case .log(let found, let text) = event, found == level { text } else { nil }
        }
    }

    /// The statuses of INVITE responses `probe` received.
    func inviteStatuses(_ probe: CallerProbe) -> [Int] {
        probe.events.compactMap { event -> Int? in
            if case .response("INVITE", let status, _, _, _) = event { status } else { nil }
        }
    }

    @Test("by default (--srtp optional) two endpoints settle on SDES AES_CM_128_HMAC_SHA1_80: the codec event, Call.security and /calls say so, both warn that the keys travel over unencrypted signalling, and the tone arrives through SRTP")
    func sdesByDefault() async throws {
        let world = try VirtualWorld()
        let recording = world.path("alice.wav")
        let (alice, bob, call) = try await call(world, recording: recording)
        let suite = "AES_CM_128_HMAC_SHA1_80 (SDES)"
        #expect(securities(alice) == [suite], "\(alice.events)")
        #expect(securities(bob) == [suite], "\(bob.events)")
        #expect(await call.security == suite)
        let bobCall = try await world.onlyCall(of: bob)
        #expect(await bobCall.security == suite)
        for probe in [alice, bob] {
            let warnings = logs(probe, .warning).filter { $0.contains("SDES keys (a=crypto) travel") && $0.contains("unencrypted signalling") }
            #expect(warnings.count == 1, "one SDES warning per call: \(logs(probe, .warning))")
        }

        alice.caller.input("/calls")
        let listed = await world.net.run(until: .seconds(2)) { logs(alice, .info).contains { $0.hasPrefix("#1 ") && $0.hasSuffix(suite) } }
        #expect(listed, "/calls lists the call with its encryption: \(logs(alice, .info))")
        #expect(await call.statistics.received > 50, "media arrived through SRTP")
        try await world.net.perform { await call.hangUp() }

        let (heard, rate) = try world.read(recording)
        #expect(abs(AudioCheck.dominantFrequency(Array(heard.suffix(rate)), sampleRate: rate) - 700) < 10, "Bob's tone, decrypted")
        await world.close()
    }

    @Test("--srtp-keying dtls: the offer carries a fingerprint instead of keys, the handshake on the media path keys SRTP, no SDES warning is given, and --record records the call as on a plain one")
    func dtlsKeying() async throws {
        let world = try VirtualWorld()
        let bobRecording = world.path("bob-call.wav")
        // Bob on the shipped pipeline (--no-audio sends silence) with --record.
        let (alice, bob, call) = try await call(world, recording: world.path("alice.wav"), run: .seconds(3), alice: { $0.srtpKeying = .dtls },
                                                bob: { $0.pipeline = nil; $0.record = bobRecording })
        #expect(securities(alice) == ["DTLS-SRTP"], "\(alice.events)")
        #expect(securities(bob) == ["DTLS-SRTP"], "\(bob.events)")
        let security = await call.security
        #expect(security.hasSuffix("(DTLS-SRTP)") && security.contains("_"), "the suite the handshake agreed: \(security)")
        let bobCall = try await world.onlyCall(of: bob)
        #expect(await bobCall.security == security, "both sides use the suite they agreed")
        for probe in [alice, bob] {
            #expect(!logs(probe, .warning).contains { $0.contains("SDES") }, "\(logs(probe, .warning))")
        }
        #expect(await bobCall.statistics.received > 50, "media arrived through DTLS-keyed SRTP")
        try await world.net.perform { await call.hangUp() }

        // --record at Bob: left what he sent (silence), right what he received and decrypted (Alice's 500 Hz).
        let written = await world.net.run(until: .seconds(5)) {
            bob.events.contains { if case .fileWritten(bobRecording, _) = $0 { true } else { false } }
        }
        #expect(written, "Bob's recording is finished: \(bob.events.suffix(5))")
        let (rate, channels) = try readChannels(bobRecording)
        #expect(channels.count == 2, "a stereo recording")
        if channels.count == 2 {
            #expect(Double(channels[1].count) / Double(rate) > 2.5, "the whole call is recorded")
            #expect(AudioCheck.rms(channels[0].suffix(rate)) < 50, "Bob sent silence")
            #expect(abs(AudioCheck.dominantFrequency(Array(channels[1].suffix(rate)), sampleRate: rate) - 500) < 10, "Alice's tone, decrypted")
        }
        await world.close()
    }

    @Test("--srtp off on one side: plain RTP with an optional peer, and it says unencrypted everywhere")
    func offMeetsOptional() async throws {
        let world = try VirtualWorld()
        let recording = world.path("alice.wav")
        let (alice, bob, call) = try await call(world, recording: recording, bob: { $0.srtp = .off })
        #expect(securities(alice) == ["unencrypted"])
        #expect(securities(bob) == ["unencrypted"])
        #expect(await call.security == "unencrypted")
        #expect(await call.statistics.received > 50)
        try await world.net.perform { await call.hangUp() }
        await world.close()
    }

    @Test("--srtp mandatory against a peer with --srtp off gets 488, whichever side offers; no call is set up", arguments: [true, false])
    func mandatoryMeetsOff(aliceMandatory: Bool) async throws {
        let world = try VirtualWorld()
        let (alice, bob, call) = try await call(world, recording: world.path("alice.wav"),
                                                alice: { $0.srtp = aliceMandatory ? .mandatory : .off },
                                                bob: { $0.srtp = aliceMandatory ? .off : .mandatory })
        #expect(inviteStatuses(alice).contains(488), "\(alice.events)")
        #expect(await call.state == .closed)
        #expect(securities(alice).isEmpty && securities(bob).isEmpty, "no media was set up")
        #expect(await bob.caller.endpoint.liveCalls.isEmpty)
        await world.close()
    }
}
