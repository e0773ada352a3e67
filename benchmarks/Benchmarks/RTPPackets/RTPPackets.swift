import Benchmark
import MediaCore
import RTP
import RTPNodes

/// Per-packet costs of the RTP layer. One inner iteration is one packet (a 20 ms G.711 packet:
/// 160 payload bytes); the table reports per packet (`*` = scaled by 1,000).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .instructions],
                                           warmupIterations: 3, scalingFactor: .kilo, maxDuration: .seconds(5))

    let packet = RTPPacket(marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x1234_5678,
                           payload: [UInt8](repeating: 0xD5, count: 160))
    let wire = packet.bytes

    Benchmark("rtp serialize (RTPPacket.bytes, 160-byte payload)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(packet.bytes) }
    }

    Benchmark("rtp parse in place (RTPHeader)") { benchmark in
        wire.withUnsafeBytes { raw in
            for _ in benchmark.scaledIterations { blackHole(try? RTPHeader(parsing: raw)) }
        }
    }

    Benchmark("rtp parse to a value (RTPPacket)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try? RTPPacket(parsing: wire)) }
    }

    Benchmark("rfc4733 encode (TelephoneEvent.bytes)") { benchmark in
        var duration: UInt16 = 0
        for _ in benchmark.scaledIterations {
            duration &+= 160
            blackHole(TelephoneEvent(event: 5, isEnd: false, volume: 10, duration: duration).bytes)
        }
    }

    Benchmark("jitter buffer insert + extract, in order") { benchmark in
        var buffer = JitterBuffer(clockRate: 8_000, delay: 480, maximumDelay: 2_400, adaptive: true, defaultPacketDuration: 160)
        let payload = [UInt8](repeating: 0xD5, count: 160)
        var sample: Int64 = 0
        payload.withUnsafeBytes { raw in
            for _ in benchmark.scaledIterations {
                let frame = Frame(baseAddress: raw.baseAddress!, byteCount: 160, sampleCount: 160,
                                  timestamp: MediaTime(sample: sample, clockRate: 8_000))
                buffer.insert(frame, sample: sample, now: sample)
                try? buffer.due(at: sample) { blackHole($0.byteCount) }
                sample += 160
            }
        }
    }

    Benchmark("jitter buffer insert + extract, pairs swapped") { benchmark in
        var buffer = JitterBuffer(clockRate: 8_000, delay: 480, maximumDelay: 2_400, adaptive: true, defaultPacketDuration: 160)
        let payload = [UInt8](repeating: 0xD5, count: 160)
        var index: Int64 = 0
        payload.withUnsafeBytes { raw in
            for _ in benchmark.scaledIterations {
                let sample = (index ^ 1) * 160   // 1, 0, 3, 2, …: every packet out of order
                let frame = Frame(baseAddress: raw.baseAddress!, byteCount: 160, sampleCount: 160,
                                  timestamp: MediaTime(sample: sample, clockRate: 8_000))
                buffer.insert(frame, sample: sample, now: index * 160)
                try? buffer.due(at: index * 160) { blackHole($0.byteCount) }
                index += 1
            }
        }
    }
}
