import NIOCore
import NIOEmbedded
import NIOPosix
import RTP
import RTPSession
import Synchronization
import TestSupport
import Testing

/// Two sessions exchanging media, with an impairment injected at the sender: on the in-memory
/// network with virtual time (exact), and on real UDP sockets (the wire path).
@Suite("RTP sessions", .serialized)
struct RTPSessionTests {
    @Test("virtual time: RTCP reports the injected loss and jitter exactly, and an RTT of 0")
    func reportsMatchImpairment() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let network = LoopbackRTPNetwork(eventLoop: loop)
        let a = RTPSession(sockets: try network.bind(host: "127.0.0.1"), minimumRTCPInterval: 0.4)
        let b = RTPSession(sockets: try network.bind(host: "127.0.0.1"), minimumRTCPInterval: 0.4)
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
        var arrivals: [(sequence: UInt16, timestamp: UInt32, at: Int64)] = []
        let payload = [UInt8](repeating: 0xD5, count: 160)
        for i in 0..<count {
            let delay = Int64(random.next() % 30_000_000)
            let at = Int64(i) * 20_000_000
            // Media from B to A, steady, so both sides send sender reports.
            loop.scheduleTask(deadline: .uptimeNanoseconds(UInt64(at))) {
                var sequencer = RTPSequencer(ssrc: 0xB, initialSequence: UInt16(7 + i), timestampBase: 5)
                var back = sequencer.next(sample: Int64(i) * 160, samples: 160, payloadType: 0, payloadBytes: 160)
                back.payload = payload
                back.bytes.withUnsafeBytes { b.send(rtp: $0) }
            }
            guard !dropped.contains(i) else { continue }
            arrivals.append((UInt16(100 + i), UInt32(1_000 + i * 160), at + delay))
            loop.scheduleTask(deadline: .uptimeNanoseconds(UInt64(at + delay))) {
                var sequencer = RTPSequencer(ssrc: 0xA, initialSequence: UInt16(100 + i), timestampBase: 1_000)
                var packet = sequencer.next(sample: Int64(i) * 160, samples: 160, payloadType: 0, payloadBytes: 160)
                packet.payload = payload
                packet.bytes.withUnsafeBytes { a.send(rtp: $0) }
            }
        }
        // The estimator a perfect receiver runs, over the packets in the order they arrive.
        var expected = ReceptionStatistics()
        for packet in arrivals.sorted(by: { $0.at < $1.at }) {
            expected.record(sequence: packet.sequence, timestamp: packet.timestamp, arrival: packet.at / 1_000 * 8_000 / 1_000_000)
        }
        // Three seconds of media, then time for a last pair of reports.
        await loop.advanceTime(by: .milliseconds(Int64(count) * 20 + 1_500))
        var received = 0
        b.drain { _, _ in received += 1 }
        #expect(received == count - dropped.count)

        let last = try #require(reports.withLock { $0.last }, "A heard B's reports")
        #expect(last.cumulativeLost == Int(expected.cumulativeLost), "loss: reported \(last.cumulativeLost)")
        let expectedJitter = expected.jitter / 8_000
        #expect(abs(last.jitter - expectedJitter) <= 0.01 * expectedJitter,
                "jitter: reported \(last.jitter * 1000) ms, injected \(expectedJitter * 1000) ms")
        let rtt = try #require(reports.withLock { $0.compactMap(\.roundTrip).last }, "a round-trip time")
        #expect(rtt >= 0 && rtt < 0.001, "an in-memory network has no delay: RTT \(rtt) s")
        #expect(b.reception.foreign == 0)
        await a.close()
        await b.close()
        #expect(a.isClosed)
        #expect(network.boundPairs == 0, "closing releases the ports")
    }

    @Test("UDP sockets: media flows both ways and each side gets the other's RTCP reports")
    func udp() async throws {
        let a = try await RTPSession.bind(host: "127.0.0.1", minimumRTCPInterval: 0.4)
        let b = try await RTPSession.bind(host: "127.0.0.1", minimumRTCPInterval: 0.4)
        a.setRemote(rtp: try SocketAddress(ipAddress: "127.0.0.1", port: b.rtpPort),
                    rtcp: try SocketAddress(ipAddress: "127.0.0.1", port: b.rtcpPort))
        b.setRemote(rtp: try SocketAddress(ipAddress: "127.0.0.1", port: a.rtpPort),
                    rtcp: try SocketAddress(ipAddress: "127.0.0.1", port: a.rtcpPort))
        var forward = RTPSequencer(ssrc: 0xA, initialSequence: 1, timestampBase: 0)
        var back = RTPSequencer(ssrc: 0xB, initialSequence: 1, timestampBase: 0)
        for i in 0..<50 {
            var packet = forward.next(sample: Int64(i) * 160, samples: 160, payloadType: 0, payloadBytes: 4)
            packet.payload = [1, 2, 3, 4]
            packet.bytes.withUnsafeBytes { a.send(rtp: $0) }
            var reply = back.next(sample: Int64(i) * 160, samples: 160, payloadType: 0, payloadBytes: 4)
            reply.payload = [1, 2, 3, 4]
            reply.bytes.withUnsafeBytes { b.send(rtp: $0) }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Every packet counts, the first ones too: they are sent the moment the sockets are bound,
        // before SwiftNIO has taken them over. Reports can arrive before the last packets are read
        // (the first is due after 0.4 s of a 1 s stream): wait for both rather than assert at once.
        try await Readiness.wait(for: "RTCP reports both ways", timeout: .seconds(30)) {
            a.latestReport != nil && b.latestReport != nil
        }
        try await Readiness.wait(for: "all 50 packets read on both sides", timeout: .seconds(30)) {
            a.reception.received >= 50 && b.reception.received >= 50
        }
        #expect(a.reception.received == 50 && b.reception.received == 50)
        #expect(a.latestReport?.cumulativeLost == 0)
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

@Suite("RTP sessions follow SDP changes")
struct RTPSessionRetargetTests {
    @Test("a new remote address (RFC 3264 §8.3.1) takes over from the latched one; a held session sends no RTP")
    func retargetAndHold() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let network = LoopbackRTPNetwork(eventLoop: loop)
        let a = RTPSession(sockets: try network.bind(host: "127.0.0.1"))
        let b = RTPSession(sockets: try network.bind(host: "127.0.0.1"))
        let c = RTPSession(sockets: try network.bind(host: "127.0.0.2"))
        func address(_ session: RTPSession, _ host: String = "127.0.0.1") throws -> (SocketAddress, SocketAddress) {
            (try SocketAddress(ipAddress: host, port: session.rtpPort), try SocketAddress(ipAddress: host, port: session.rtcpPort))
        }
        var sequencer = RTPSequencer(ssrc: 9, initialSequence: 1, timestampBase: 0)
        func send(_ count: Int, from session: RTPSession) {
            for _ in 0..<count {
                var packet = sequencer.next(sample: 0, samples: 160, payloadType: 0, payloadBytes: 2)
                packet.payload = [1, 2]
                packet.bytes.withUnsafeBytes { session.send(rtp: $0) }
            }
        }
        let (bRTP, bRTCP) = try address(b)
        a.setRemote(rtp: bRTP, rtcp: bRTCP)
        let (aRTP, aRTCP) = try address(a)
        b.setRemote(rtp: aRTP, rtcp: aRTCP)
        send(3, from: b)                        // a latches to b
        send(3, from: a)
        #expect(b.reception.received == 3)
        let (cRTP, cRTCP) = try address(c, "127.0.0.2")
        a.setRemote(rtp: cRTP, rtcp: cRTCP)     // the peer moved
        send(4, from: a)
        #expect(c.reception.received == 4, "packets follow the new address, not the latched one")
        #expect(b.reception.received == 3)
        #expect(a.remoteRTPAddress == cRTP)
        a.setSending(false)
        send(5, from: a)
        #expect(c.reception.received == 4, "on hold nothing is sent")
        a.setSending(true)
        send(1, from: a)
        #expect(c.reception.received == 5)
        for session in [a, b, c] { await session.close() }
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
