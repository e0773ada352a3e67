import MediaCore
import RTPNodes
import Testing

@Suite("Jitter buffer")
struct JitterBufferTests {
    /// Plays `arrivals` (media sample, arrival tick) through a buffer ticked every 160 samples;
    /// returns what came out: sample positions, `nil` for concealment.
    func play(_ arrivals: [(sample: Int64, tick: Int64)], delay: Int = 480, adaptive: Bool = false,
              ticks: Int64 = 40) throws -> (out: [Int64?], counters: JitterBuffer.Counters) {
        var buffer = JitterBuffer(clockRate: 8_000, delay: delay, maximumDelay: 1_600, adaptive: adaptive, defaultPacketDuration: 160)
        var out: [Int64?] = []
        let bytes: [UInt8] = [0, 1, 2]
        for tick in 0..<ticks {
            for arrival in arrivals where arrival.tick == tick {
                bytes.withUnsafeBytes { raw in
                    buffer.insert(Frame(baseAddress: raw.baseAddress!, byteCount: 3, sampleCount: 160,
                                        timestamp: MediaTime(sample: arrival.sample, clockRate: 8_000)),
                                  sample: arrival.sample, now: tick * 160)
                }
            }
            try buffer.due(at: tick * 160) { frame in
                out.append(frame.flags.contains(.missing) ? nil : frame.timestamp.sample)
            }
        }
        return (out, buffer.counters)
    }

    @Test("reordered packets come out in media order after the delay")
    func reorders() throws {
        let arrivals: [(Int64, Int64)] = [(0, 0), (320, 1), (160, 2), (640, 3), (480, 3), (800, 5)]
        let (out, counters) = try play(arrivals, ticks: 12)
        #expect(out.prefix(6).map { $0 } == [0, 160, 320, 480, 640, 800])
        #expect(counters.late == 0 && counters.concealed == out.count - 6)
    }

    @Test("a loss that is the only gap waiting is still one concealed frame: its spacing is not taken as the packet duration")
    func lossAsOnlyGapWaiting() throws {
        // Packets 0 and 320 wait together (160 is lost) before anything plays: the only spacing
        // in the buffer is two packets. Every 160 samples must still come out, the gap concealed.
        let arrivals: [(Int64, Int64)] = [(0, 0), (320, 1), (480, 4), (800, 5), (960, 6), (1120, 7)]
        let (out, counters) = try play(arrivals, ticks: 12)
        #expect(Array(out.prefix(8)) == [0, nil, 320, 480, nil, 800, 960, 1120])
        #expect(counters.concealed >= 2 && counters.played == 6)
    }

    @Test("a lost packet becomes one concealment frame in its place; a duplicate is dropped")
    func lossAndDuplicates() throws {
        let arrivals: [(Int64, Int64)] = [(0, 0), (160, 1), (160, 1), (480, 3), (640, 4)]
        let (out, counters) = try play(arrivals, ticks: 8)
        #expect(out.prefix(5).map { $0 } == [0, 160, nil, 480, 640])
        #expect(counters.duplicate == 1 && counters.played == 4)
    }

    @Test("a packet later than the delay is dropped; adaptive buffers grow by a packet, bounded")
    func lateAndAdaptive() throws {
        // Packet 320 arrives 5 ticks late, after its slot was concealed.
        let arrivals: [(Int64, Int64)] = [(0, 0), (160, 1), (480, 3), (640, 4), (800, 5), (960, 6), (320, 7), (1_120, 7)]
        let fixed = try play(arrivals, delay: 160, adaptive: false, ticks: 12)
        #expect(fixed.counters.late == 1 && fixed.counters.stretched == 0)
        let adaptive = try play(arrivals, delay: 160, adaptive: true, ticks: 12)
        #expect(adaptive.counters.late == 1 && adaptive.counters.stretched == 1)
        // The stretch is one more concealed packet: what follows plays one packet later.
        let fixedIndex = fixed.out.firstIndex(of: 1_120), adaptiveIndex = adaptive.out.firstIndex(of: 1_120)
        #expect(fixedIndex != nil && adaptiveIndex == fixedIndex.map { $0 + 1 })
    }

    @Test("a gap whose next packet has arrived carries that packet (for in-band FEC); a gap with nothing after it does not")
    func nextPacketAttached() throws {
        var buffer = JitterBuffer(clockRate: 8_000, delay: 480, maximumDelay: 480, adaptive: false, defaultPacketDuration: 160)
        var seen: [(sample: Int64, flags: Frame.Flags, bytes: [UInt8])] = []
        // Packets 0, 160, then 480 and 640 (320 lost, 800 and 960 lost at the end).
        for (sample, marker) in [(Int64(0), UInt8(10)), (160, 11), (480, 13), (640, 14)] {
            [marker, marker].withUnsafeBytes { raw in
                buffer.insert(Frame(baseAddress: raw.baseAddress!, byteCount: 2, sampleCount: 160,
                                    timestamp: MediaTime(sample: sample, clockRate: 8_000)), sample: sample, now: 0)
            }
        }
        for tick in Int64(0)..<12 {
            try buffer.due(at: tick * 160) { frame in seen.append((frame.timestamp.sample, frame.flags, Array(frame.bytes))) }
        }
        let gap = try #require(seen.first { $0.sample == 320 })
        #expect(gap.flags.contains(.missing) && gap.flags.contains(.nextPacketAttached))
        #expect(gap.bytes == [13, 13], "the payload of the packet at 480")
        #expect(seen.first { $0.sample == 480 }?.bytes == [13, 13], "which still plays in its own turn")
        let tail = try #require(seen.first { $0.sample == 800 })
        #expect(tail.flags.contains(.missing) && !tail.flags.contains(.nextPacketAttached) && tail.bytes.isEmpty)
        #expect(buffer.counters.attached == 1)
    }
}
