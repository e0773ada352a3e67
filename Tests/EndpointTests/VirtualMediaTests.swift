import Endpoint
import EndpointTesting
import Foundation
import MediaTesting
import SIPCore
import Testing

/// Media follows every offer/answer (RFC 3264 §8) on virtual time: hold and resume both ways,
/// a codec change, and a ten-minute call with all of them — recordings keep media time.
@Suite("Media follows offer/answer, on virtual time", .serialized)
struct VirtualMediaTests {
    /// `window` (seconds) of `samples`, or what of it the recording has.
    func slice(_ samples: [Int16], rate: Int, _ window: ClosedRange<Double>) -> [Int16] {
        let end = min(samples.count, Int(window.upperBound * Double(rate)))
        let start = min(end, Int(window.lowerBound * Double(rate)))
        return Array(samples[start..<end])
    }

    /// The share of 20 ms blocks in `window` that are silent (RMS below -44 dBFS).
    func silentShare(_ samples: [Int16], rate: Int, _ window: ClosedRange<Double>) -> Double {
        let part = slice(samples, rate: rate, window), block = rate / 50
        let blocks = stride(from: 0, to: part.count - block + 1, by: block).map { part[$0..<($0 + block)] }
        return Double(blocks.filter { AudioCheck.rms($0) < 200 }.count) / Double(max(blocks.count, 1))
    }

    func frequency(_ samples: [Int16], rate: Int, _ window: ClosedRange<Double>) -> Double {
        AudioCheck.dominantFrequency(slice(samples, rate: rate, window), sampleRate: rate)
    }

    @Test("hold and resume both ways: the held side stops sending, states say who holds, recordings keep media time")
    func holdBothWays() async throws {
        let world = try VirtualWorld()
        let aliceRecording = world.path("alice.wav"), bobRecording = world.path("bob.wav")
        let (alice, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700, recording: bobRecording),
                                                              alice: VirtualWorld.tone(500, recording: aliceRecording), run: .seconds(2))
        let bobCall = try await world.onlyCall(of: bob)
        let start = world.net.now

        // Alice holds (a=sendonly): Bob answers recvonly and stops sending.
        #expect(try await world.net.perform { await call.hold() } == 200)
        #expect(await call.state == .held(.local))
        #expect(await bobCall.state == .held(.remote))
        let bobSent = await call.statistics.received
        await world.net.run(for: .seconds(2))
        #expect(await call.statistics.received == bobSent, "Bob sends nothing while held")
        #expect(try await world.net.perform { await call.resume() } == 200)
        #expect(await call.state == .active)
        #expect(await bobCall.state == .active)
        await world.net.run(for: .seconds(2))

        // Bob holds Alice.
        #expect(try await world.net.perform { await bobCall.hold() } == 200)
        #expect(await call.state == .held(.remote))
        await world.net.run(for: .seconds(2))
        #expect(try await world.net.perform { await bobCall.resume() } == 200)
        await world.net.run(for: .seconds(2))
        _ = start
        #expect(await call.statistics.lost == 0, "no sequence numbers used up while held (RFC 3550 §5.1)")
        #expect(await bobCall.statistics.lost == 0)
        try await world.net.perform { await call.hangUp() }

        // 10 s of call; recordings start when it is answered (0.2 s), so Alice holds 1.8–3.8 s and
        // Bob 5.8–7.8 s of recorded time.
        let (heard, rate) = try world.read(aliceRecording)
        // The whole call but the 0.2 s before the answer and what the jitter buffer held at the end.
        let seconds = Double(heard.count) / Double(rate)
        #expect(seconds > 9.6 && seconds <= 10, "Alice's recording: \(seconds) s")
        #expect(abs(frequency(heard, rate: rate, 0.3...1.7) - 700) < 10, "Bob's tone before the hold")
        #expect(silentShare(heard, rate: rate, 2.1...3.7) > 0.95, "silence while Bob is held")
        #expect(abs(frequency(heard, rate: rate, 4.1...5.6) - 700) < 10, "Bob's tone after the resume")
        let (bobHeard, bobRate) = try world.read(bobRecording)
        #expect(silentShare(bobHeard, rate: bobRate, 6.1...7.6) > 0.95, "silence at Bob while Alice is held")
        #expect(abs(frequency(bobHeard, rate: bobRate, 8.1...9.5) - 500) < 10)
        #expect(alice.events.contains { if case .callState(_, "held", "local") = $0 { true } else { false } })
        await world.close()
    }

    @Test("a codec change offered with /codec: both sides switch from PCMU to PCMA and back; the tone keeps its frequency")
    func codecChange() async throws {
        let world = try VirtualWorld()
        let recording = world.path("bob.wav")
        let (alice, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700, recording: recording),
                                                              alice: VirtualWorld.tone(500), run: .seconds(2)) { $0.codecs = ["PCMU", "PCMA"] }
        #expect(await call.negotiated?.codec.encoding == "PCMU")
        alice.caller.input("/codec PCMA")
        _ = await world.net.run(until: .seconds(2)) { await call.negotiated?.codec.encoding == "PCMA" }
        let bobCall = try await world.onlyCall(of: bob)
        #expect(await call.negotiated?.codec.encoding == "PCMA")
        #expect(await bobCall.negotiated?.codec.encoding == "PCMA")
        await world.net.run(for: .seconds(2))
        #expect(try await world.net.perform { await call.reoffer(codecs: ["PCMU"]) } == 200)
        #expect(await bobCall.negotiated?.codec.encoding == "PCMU")
        await world.net.run(for: .seconds(2))
        #expect(await call.reoffer(codecs: ["G729"]) == 0, "a codec the call does not have is refused before any SIP")
        try await world.net.perform { await call.hangUp() }
        let (heard, rate) = try world.read(recording)
        let seconds = Double(heard.count) / Double(rate)
        #expect(seconds > 5.6 && seconds <= 6, "\(seconds) s")
        for window in [0.5...1.9, 2.3...3.9, 4.3...5.8] {
            #expect(abs(frequency(heard, rate: rate, window) - 500) < 10, "\(window)")
            #expect(silentShare(heard, rate: rate, window) < 0.1, "\(window) is not silent")
        }
        #expect(bob.events.filter { if case .codec = $0 { true } else { false } }.count == 3, "PCMU, PCMA, PCMU")
        await world.close()
    }

    @Test("a ten-minute call with hold, resume and a codec change runs in seconds of test time")
    func tenMinutes() async throws {
        let world = try VirtualWorld()
        let recording = world.path("bob.wav")
        let clock = ContinuousClock(), began = clock.now
        let (_, bob, call) = try await world.aliceCallsBob(bob: VirtualWorld.tone(700, recording: recording), alice: VirtualWorld.tone(500),
                                                          run: .seconds(1))
        await world.net.run(for: .seconds(119), step: .seconds(1))
        #expect(try await world.net.perform { await call.hold() } == 200)
        await world.net.run(for: .seconds(120), step: .seconds(1))
        #expect(try await world.net.perform { await call.resume() } == 200)
        await world.net.run(for: .seconds(120), step: .seconds(1))
        #expect(try await world.net.perform { await call.reoffer(codecs: ["PCMA"]) } == 200)
        await world.net.run(for: .seconds(240), step: .seconds(1))
        try await world.net.perform { await call.hangUp() }
        let elapsed = clock.now - began
        let (heard, rate) = try world.read(recording)
        #expect(abs(Double(heard.count) / Double(rate) - 600) < 0.5, "ten minutes recorded: \(Double(heard.count) / Double(rate)) s")
        #expect(abs(frequency(heard, rate: rate, 590...599) - 500) < 10)
        #expect(await bob.caller.endpoint.liveCalls.isEmpty)
        print("ten minutes of call in \(elapsed) of test time")
        await world.close()
    }
}
