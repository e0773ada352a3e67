import Benchmark
import CSRTP
import SRTP

/// SRTP per packet (libsrtp reached through the same CSRTP headers the SRTP module uses): `SRTPStream.protectRTP` then `unprotectRTP` (one sender, one receiver) on
/// a 20 ms G.711 packet (12-octet header, 160 octets of payload), against `srtp_protect` and
/// `srtp_unprotect` on libsrtp sessions set up the same way, for each suite.
///
/// As in CodecPaths, one sample alternates blocks of 1,000 packets through each, so machine
/// noise hits both alike, and reports the ratio (‰) with the cost of each per packet.
let benchmarks: @Sendable () -> Void = {
    let ratio = BenchmarkMetric.custom("srtp/raw ‰", polarity: .prefersSmaller, useScalingFactor: false)
    let oursCost = BenchmarkMetric.custom("SRTPStream ns/packet", polarity: .prefersSmaller, useScalingFactor: false)
    let rawCost = BenchmarkMetric.custom("libsrtp ns/packet", polarity: .prefersSmaller, useScalingFactor: false)
    let configuration = Benchmark.Configuration(metrics: [ratio, oursCost, rawCost], warmupIterations: 1,
                                                scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 12)

    for suite in SRTPSuite.allCases {
        Benchmark("protect + unprotect, \(suite), SRTPStream vs libsrtp", configuration: configuration) { benchmark in
            let key = SRTPMasterKey.random(for: suite)
            let sender = try SRTPStream(key: key, direction: .outbound), receiver = try SRTPStream(key: key, direction: .inbound)
            let rawSender = RawSession(key: key, outbound: true), rawReceiver = RawSession(key: key, outbound: false)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 2_048, alignment: 16)
            defer { buffer.deallocate() }
            var oursSequence: UInt16 = 0, rawSequence: UInt16 = 0
            let clock = ContinuousClock()
            var ours = Duration.zero, raw = Duration.zero
            let block = 1_000
            for round in 0..<10 {
                for pass in 0..<2 {
                    let start = clock.now
                    if (round % 2 == 0) == (pass == 0) {
                        for _ in 0..<block {
                            rawSequence &+= 1
                            let length = Packet.write(into: buffer, sequence: rawSequence)
                            var count = Int32(length)
                            _ = srtp_protect(rawSender.session, buffer, &count)
                            _ = srtp_unprotect(rawReceiver.session, buffer, &count)
                            blackHole(count)
                        }
                        raw += clock.now - start
                    } else {
                        for _ in 0..<block {
                            oursSequence &+= 1
                            let length = Packet.write(into: buffer, sequence: oursSequence)
                            let protected = try sender.protectRTP(buffer, length: length)
                            blackHole(try receiver.unprotectRTP(buffer, length: protected))
                        }
                        ours += clock.now - start
                    }
                }
            }
            let packets = Double(10 * block)
            benchmark.measurement(ratio, Int((ours / raw * 1_000).rounded()))
            benchmark.measurement(oursCost, Int((ours / packets).nanoseconds))
            benchmark.measurement(rawCost, Int((raw / packets).nanoseconds))
        }
    }
}

/// A libsrtp session set up as SRTPStream sets its RTP context up.
final class RawSession {
    let session: srtp_t

    init(key: SRTPMasterKey, outbound: Bool) {
        _ = srtp_init()
        var policy = srtp_policy_t()
        switch key.suite {
        case .aesCM128HMACSHA1_80:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aesCM128HMACSHA1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.window_size = 128
        var created: srtp_t?
        key.keyAndSalt.withUnsafeBufferPointer { bytes in
            policy.key = UnsafeMutablePointer(mutating: bytes.baseAddress)
            _ = srtp_create(&created, &policy)
        }
        session = created!
    }

    deinit { srtp_dealloc(session) }
}

/// The packet both loops protect: a PCMU header and 160 octets of payload.
enum Packet {
    static let payload = (0..<160).map { UInt8(truncatingIfNeeded: 0xD5 &+ $0) }

    @inline(__always)
    static func write(into buffer: UnsafeMutableRawPointer, sequence: UInt16) -> Int {
        let p = buffer.assumingMemoryBound(to: UInt8.self)
        p[0] = 0x80; p[1] = 0; p[2] = UInt8(sequence >> 8); p[3] = UInt8(sequence & 0xFF)
        p[4] = 0; p[5] = 0; p[6] = UInt8(sequence >> 8); p[7] = UInt8(sequence & 0xFF)
        p[8] = 0x12; p[9] = 0x34; p[10] = 0x56; p[11] = 0x78
        payload.withUnsafeBufferPointer { (p + 12).update(from: $0.baseAddress!, count: 160) }
        return 172
    }
}

extension Duration {
    var nanoseconds: Double { Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9 }
}
