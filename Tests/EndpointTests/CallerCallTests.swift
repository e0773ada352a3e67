import CallwireBuiltins
import CallMedia
import Endpoint
import Foundation
import MediaTesting
import SIPCore
import Testing

/// Two callers in one process, over real UDP sockets on 127.0.0.1: calls with media, DTMF,
/// recordings, busy and refused calls.
@Suite("Caller calls", .serialized, .timeLimit(.minutes(2)))
struct CallerCallTests {
    @Test("a call records a stereo WAV: left is what we sent (440 Hz), right what we heard (1 kHz)")
    func recordsBothSides() async throws {
        let directory = try temporaryDirectory("call")
        let tone = directory.appendingPathComponent("a440.wav").path
        let recording = directory.appendingPathComponent("call.wav").path
        try await render("sine freq=440 rate=16000 level=-12dB duration=6s ! wav-recorder path=\"\(tone)\"")
        let alice = try await TestCaller {
            $0.listen = true
            $0.user = "alice"
            $0.pipeline = "sine freq=1000 rate=16000 level=-12dB ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink"
        }
        let bob = try await TestCaller {
            $0.user = "bob"
            $0.to = try? NameAddress.parse(alice.address("alice"))
            $0.play = tone
            $0.record = recording
            $0.duration = 2.5
        }
        await bob.caller.start()
        let status = await bob.finished()
        await bob.close()
        await alice.close()
        #expect(status == 0)
        #expect(bob.events.contains { if case .response(_, 180, _, "inviting", _) = $0 { true } else { false } })
        #expect(bob.events.contains { if case .codec = $0 { true } else { false } })
        #expect(bob.events.contains { if case .fileWritten(recording, _) = $0 { true } else { false } })
        let (rate, channels) = try readChannels(recording)
        #expect(channels.count == 2)
        let seconds = Double(channels[0].count) / Double(rate)
        #expect(seconds > 2.2 && seconds < 4.5, "recorded \(seconds) s (the call lasts 2.5 s; a loaded machine delays the BYE)")
        let sent = Array(channels[0].dropFirst(rate / 2)), heard = Array(channels[1].dropFirst(rate))
        #expect(abs(AudioCheck.dominantFrequency(sent, sampleRate: rate) - 440) < 15)
        #expect(abs(AudioCheck.dominantFrequency(heard, sampleRate: rate) - 1_000) < 15)
        #expect(AudioCheck.rmsDBFS(heard) > -30, "the far end is audible on the right")
        #expect(alice.events.contains { if case .callEnded(_, "remote BYE") = $0 { true } else { false } })
    }

    @Test("typed keys go out as RFC 4733 DTMF both ways, in order")
    func dtmfBothWays() async throws {
        let alice = try await TestCaller {
            $0.listen = true
            $0.user = "alice"
        }
        let bob = try await TestCaller {
            $0.user = "bob"
            $0.to = try? NameAddress.parse(alice.address("alice"))
        }
        await bob.caller.start()
        try await bob.expect("media") { if case .codec = $0 { true } else { false } }
        try await alice.expect("media") { if case .codec = $0 { true } else { false } }
        bob.caller.input("1234567890*#")
        try await alice.expect("twelve keys", timeout: .seconds(15)) { _ in
            alice.events.filter { if case .dtmfReceived = $0 { true } else { false } }.count >= 12
        }
        alice.caller.input("4 2".replacingOccurrences(of: " ", with: ""))
        try await bob.expect("two keys") { _ in
            bob.events.filter { if case .dtmfReceived = $0 { true } else { false } }.count >= 2
        }
        let received = alice.events.compactMap { event -> String? in
            if case .dtmfReceived(_, let digit, _) = event { digit } else { nil }
        }
        #expect(received.joined() == "1234567890*#")
        let back = bob.events.compactMap { event -> String? in
            if case .dtmfReceived(_, let digit, _) = event { digit } else { nil }
        }
        #expect(back.joined() == "42")
        await bob.close()
        #expect(await bob.finished() == 0)
        await alice.close()
    }

    @Test("a second call while busy gets 486; the caller exits with status 2 and says why")
    func busy() async throws {
        let alice = try await TestCaller {
            $0.listen = true
            $0.user = "alice"
        }
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse(alice.address("alice"))
        }
        await bob.caller.start()
        try await alice.expect("first call up") { if case .codec = $0 { true } else { false } }
        let carol = try await TestCaller {
            $0.to = try? NameAddress.parse(alice.address("alice"))
        }
        await carol.caller.start()
        #expect(await carol.finished() == 2)
        #expect(carol.events.contains { if case .response("INVITE", 486, _, _, _) = $0 { true } else { false } })
        await carol.close()
        await bob.close()
        await alice.close()
    }

    @Test("a late offer both ways (--no-sdp): the 200 offers, the ACK answers, media flows")
    func lateOffer() async throws {
        let alice = try await TestCaller {
            $0.listen = true
            $0.user = "alice"
            $0.pipeline = "sine freq=1000 rate=8000 ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink"
        }
        let directory = try temporaryDirectory("late")
        let recording = directory.appendingPathComponent("late.wav").path
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse(alice.address("alice"))
            $0.sdp = false
            $0.record = recording
            $0.duration = 1.5
        }
        await bob.caller.start()
        #expect(await bob.finished() == 0)
        await bob.close()
        await alice.close()
        let (rate, channels) = try readChannels(recording)
        let heard = Array(channels[1].dropFirst(rate / 2))
        #expect(abs(AudioCheck.dominantFrequency(heard, sampleRate: rate) - 1_000) < 15)
    }

    @Test("auto-respond with a failure code rejects at once; not listening answers 501")
    func rejections() async throws {
        let alice = try await TestCaller {
            $0.listen = true
            $0.autoRespond = 603
        }
        let bob = try await TestCaller { $0.to = try? NameAddress.parse(alice.address("alice")) }
        await bob.caller.start()
        #expect(await bob.finished() == 2)
        #expect(bob.events.contains { if case .response("INVITE", 603, _, _, _) = $0 { true } else { false } })
        // A caller that only calls out (no --listen) refuses calls to it.
        let dave = try await TestCaller { $0.to = try? NameAddress.parse("sip:nobody@127.0.0.1:9") }
        let erin = try await TestCaller { $0.to = try? NameAddress.parse(dave.address("dave")) }
        await erin.caller.start()
        #expect(await erin.finished() == 2)
        #expect(erin.events.contains { if case .response("INVITE", 501, _, _, _) = $0 { true } else { false } })
        for caller in [alice, bob, dave, erin] { await caller.close() }
    }
}
