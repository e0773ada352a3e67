import NIOCore
import NIOPosix
import RTP
import RTPSession
import Synchronization
import TestSupport
import Testing

/// Two sessions on loopback, media paced in real time with an impairment injected at the sender.
@Suite("RTP sessions on loopback", .serialized)
struct RTPSessionTests {
    @Test("media flows both ways; RTCP reports the injected loss exactly and the jitter within 10%; RTT is measured")
    func reportsMatchImpairment() async throws {
        let a = try await RTPSession.bind(host: "127.0.0.1", minimumRTCPInterval: 0.4)
        let b = try await RTPSession.bind(host: "127.0.0.1", minimumRTCPInterval: 0.4)
        a.setRemote(rtp: try SocketAddress(ipAddress: "127.0.0.1", port: b.rtpPort),
                    rtcp: try SocketAddress(ipAddress: "127.0.0.1", port: b.rtcpPort))
        b.setRemote(rtp: try SocketAddress(ipAddress: "127.0.0.1", port: a.rtpPort),
                    rtcp: try SocketAddress(ipAddress: "127.0.0.1", port: a.rtcpPort))
        let reports = Mutex<[RemoteReport]>([])
        a.onReport { report in reports.withLock { $0.append(report) } }

        // The impairment: every 10th packet dropped, each packet sent 0–30 ms late (seeded).
        var random = SplitMix(seed: 42)
        let count = 150
        let dropped = Set(stride(from: 3, to: count, by: 10))
        let delays = (0..<count).map { _ in Int64(random.next() % 30_000_000) }
        var expected = ReceptionStatistics()
        var sequencer = RTPSequencer(ssrc: 0xA, initialSequence: 100, timestampBase: 1_000)
        var backSequencer = RTPSequencer(ssrc: 0xB, initialSequence: 7, timestampBase: 5)
        let payload = [UInt8](repeating: 0xD5, count: 160)
        let clock = ContinuousClock()
        let start = clock.now
        let schedule = (0..<count).filter { !dropped.contains($0) }.map { i in (i, Int64(i) * 20_000_000 + delays[i]) }
            .sorted { $0.1 < $1.1 }
        var next = 0
        for tick in 0..<count {
            // Media from A to B in send-time order.
            while next < schedule.count, schedule[next].1 <= Int64(tick) * 20_000_000 + 20_000_000 {
                let (i, at) = schedule[next]
                try await clock.sleep(until: start + .nanoseconds(at))
                var packet = sequencer.next(sample: Int64(i) * 160, samples: 160, payloadType: 0, payloadBytes: 160)
                packet.sequenceNumber = UInt16(100 + i)   // the sequencer numbers what is sent; keep the gaps
                packet.payload = payload
                packet.bytes.withUnsafeBytes { a.send(rtp: $0) }
                // The estimator a perfect receiver would run, on the instants the packets really
                // left (a late wake-up of this task is part of the injected jitter, not an error).
                let sent = clock.now - start
                let nanos = sent.components.seconds * 1_000_000_000 + sent.components.attoseconds / 1_000_000_000
                expected.record(sequence: UInt16(100 + i), timestamp: UInt32(1_000 + i * 160), arrival: nanos * 8_000 / 1_000_000_000)
                next += 1
            }
            // Media from B to A, steady, so both sides send sender reports.
            var back = backSequencer.next(sample: Int64(tick) * 160, samples: 160, payloadType: 0, payloadBytes: 160)
            back.payload = payload
            back.bytes.withUnsafeBytes { b.send(rtp: $0) }
        }
        // Let a last pair of reports go out.
        try await clock.sleep(for: .seconds(1.2))
        var received = 0
        b.drain { _, _ in received += 1 }
        #expect(received == count - dropped.count)

        let last = try #require(reports.withLock { $0.last }, "A heard B's reports")
        #expect(last.cumulativeLost == Int(expected.cumulativeLost), "loss: reported \(last.cumulativeLost)")
        let expectedJitter = expected.jitter / 8_000
        #expect(abs(last.jitter - expectedJitter) <= 0.1 * expectedJitter,
                "jitter: reported \(last.jitter * 1000) ms, injected \(expectedJitter * 1000) ms")
        let rtt = try #require(reports.withLock { $0.compactMap(\.roundTrip).last }, "a round-trip time")
        print("RTCP: lost \(last.cumulativeLost) jitter \(last.jitter * 1000) ms (expected \(expectedJitter * 1000) ms) rtt \(rtt * 1000) ms")
        #expect(rtt >= 0 && rtt < 0.05, "loopback RTT \(rtt) s")
        #expect(b.reception.foreign == 0)
        await a.close()
        await b.close()
        #expect(a.isClosed)
    }

    @Test("symmetric RTP: once latched, packets from another address are dropped and counted")
    func latching() async throws {
        let b = try await RTPSession.bind(host: "127.0.0.1")
        let first = try await RTPSession.bind(host: "127.0.0.1"), stranger = try await RTPSession.bind(host: "127.0.0.1")
        for sender in [first, stranger] {
            sender.setRemote(rtp: try SocketAddress(ipAddress: "127.0.0.1", port: b.rtpPort),
                             rtcp: try SocketAddress(ipAddress: "127.0.0.1", port: b.rtcpPort))
        }
        var sequencer = RTPSequencer(ssrc: 1, initialSequence: 1, timestampBase: 0)
        for i in 0..<5 {
            var packet = sequencer.next(sample: Int64(i * 160), samples: 160, payloadType: 0, payloadBytes: 4)
            packet.payload = [1, 2, 3, 4]
            packet.bytes.withUnsafeBytes { first.send(rtp: $0) }
            try await Task.sleep(for: .milliseconds(5))
            packet.bytes.withUnsafeBytes { stranger.send(rtp: $0) }
            try await Task.sleep(for: .milliseconds(5))
        }
        try? await Readiness.wait(for: "ten datagrams at b", timeout: .seconds(10)) {
            b.reception.received + b.reception.foreign >= 10
        }
        #expect(b.reception.received == 5)
        #expect(b.reception.foreign == 5)
        for session in [b, first, stranger] { await session.close() }
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
