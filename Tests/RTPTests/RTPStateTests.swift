import RTP
import Testing

@Suite("RTP statistics, sequencing and RFC 4733 reception")
struct RTPStateTests {
    @Test("loss and fraction lost follow RFC 3550 A.3 across a sequence wrap")
    func loss() {
        var stats = ReceptionStatistics()
        var sequence: UInt16 = 65_000
        var delivered = 0
        for i in 0..<1_000 {
            if i % 10 != 3 {   // lose one packet in ten
                stats.record(sequence: sequence, timestamp: UInt32(i * 160), arrival: Int64(i * 160))
                delivered += 1
            }
            sequence &+= 1
        }
        #expect(stats.received == UInt32(delivered))
        #expect(stats.expected == 1_000)
        #expect(stats.cumulativeLost == 100)
        #expect(stats.extendedHighestSequence == 0x0001_0000 + UInt32(UInt16(65_000) &+ 999))
        let report = stats.makeReport(ssrc: 1)
        #expect(report.fractionLost == 25)   // 10% of 256, truncated
        #expect(stats.makeReport(ssrc: 1).fractionLost == 0, "a new interval starts after a report")
    }

    @Test("jitter converges to the mean deviation of the transit time (A.8)")
    func jitter() {
        var stats = ReceptionStatistics()
        // Arrivals alternate 0 and 80 timestamp units late: |D| = 80 every packet.
        for i in 0..<500 {
            stats.record(sequence: UInt16(i), timestamp: UInt32(i * 160), arrival: Int64(i * 160 + (i % 2) * 80))
        }
        #expect(abs(stats.jitter - 80) < 1)
    }

    @Test("duplicates are counted (loss may go negative) and a restarted source re-synchronizes")
    func duplicatesAndRestart() {
        var stats = ReceptionStatistics()
        for s: UInt16 in [1, 2, 2, 3] { stats.record(sequence: s, timestamp: 0, arrival: 0) }
        #expect(stats.cumulativeLost == -1)
        let jumped = stats.record(sequence: 30_000, timestamp: 0, arrival: 0)
        let continued = stats.record(sequence: 30_001, timestamp: 0, arrival: 0)
        #expect(!jumped, "a wild jump is discarded once")
        #expect(continued, "and believed when it continues")
        #expect(stats.received == 1 && stats.discarded == 1)
    }

    @Test("the sequencer steps timestamps by media time, marks talk-spurt starts, and wraps sequence numbers")
    func sequencer() {
        var generator = SplitMix(seed: 5)
        var s = RTPSequencer(initialSequence: 65_535, timestampBase: 4_294_967_200, using: &generator)
        let a = s.next(sample: 0, samples: 160, payloadType: 0, payloadBytes: 160)
        let b = s.next(sample: 160, samples: 160, payloadType: 0, payloadBytes: 160)
        let c = s.next(sample: 800, samples: 160, payloadType: 0, payloadBytes: 160)   // after 480 samples of silence
        #expect(a.marker && !b.marker && c.marker)
        #expect(a.sequenceNumber == 65_535 && b.sequenceNumber == 0)
        #expect(b.timestamp == 4_294_967_200 &+ 160 && c.timestamp == 704)
        #expect(s.packetCount == 3 && s.octetCount == 480 && s.ssrc != 0)
    }

    @Test("RFC 4733: each event once, whether its end packets arrive, repeat, or are all lost")
    func telephoneEvents() {
        var receiver = TelephoneEventReceiver()
        var heard: [UInt8] = []
        func feed(_ event: UInt8, _ ts: UInt32, _ duration: UInt16, end: Bool = false) {
            heard += receiver.receive(TelephoneEvent(event: event, isEnd: end, duration: duration), timestamp: ts).map(\.event)
        }
        // '1' complete with three end packets; '2' loses every end packet; '3' loses its first packet.
        feed(1, 1_000, 160); feed(1, 1_000, 320); feed(1, 1_000, 480, end: true); feed(1, 1_000, 480, end: true)
        feed(1, 1_000, 480, end: true)
        feed(2, 3_000, 160); feed(2, 3_000, 320)
        feed(3, 5_000, 320); feed(3, 5_000, 480, end: true)
        feed(1, 1_000, 480, end: true)   // a straggler of the first event
        #expect(heard == [1, 2, 3])
        #expect(receiver.flush() == nil)
        feed(4, 7_000, 160)
        #expect(receiver.flush()?.event == 4)
    }

    @Test("RTCP intervals: at least 5 s (2.5 s at first), randomized by [0.5, 1.5] / (e − 1.5)")
    func schedule() {
        let schedule = RTCPSchedule(sessionBandwidth: 64_000 + 16_000)
        #expect(schedule.deterministicInterval(members: 2, senders: 2, weSent: true, initial: false) == 5)
        #expect(schedule.deterministicInterval(members: 2, senders: 2, weSent: true, initial: true) == 2.5)
        let low = schedule.nextInterval(members: 2, senders: 2, weSent: true, initial: false, random: 0)
        let high = schedule.nextInterval(members: 2, senders: 2, weSent: true, initial: false, random: 0.999_999)
        #expect(abs(low - 2.5 / 1.218_281_828) < 1e-6 && abs(high - 7.5 / 1.218_281_828) < 1e-3)
        // 1000 members: the bandwidth share, not the minimum, sets the interval.
        #expect(schedule.deterministicInterval(members: 1_000, senders: 1, weSent: false, initial: false) > 20)
    }

    @Test("NTP time and round-trip time from LSR/DLSR")
    func ntp() {
        #expect(NTPTime.from(unixNanoseconds: 0) == NTPTime.unixOffset << 32)
        #expect(NTPTime.from(unixNanoseconds: 500_000_000) & 0xFFFF_FFFF == 0x8000_0000)
        // Sent at LSR, held 1 s by the peer, back 1.25 s after sending: RTT 0.25 s.
        #expect(NTPTime.roundTrip(arrivalCompact: 0x0001_4000 + 0x0001_0000, lastSenderReport: 0x0001_0000, delay: 0x0001_0000)
                == 0.25)
        #expect(NTPTime.roundTrip(arrivalCompact: 5, lastSenderReport: 0, delay: 0) == nil)
    }
}

/// A small deterministic generator for tests.
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
