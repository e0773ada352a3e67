import Benchmark
import OSIPReference
import SIPCore

/// A typical INVITE with an SDP body (≈800 bytes): the headers a softphone sends.
let invite: [UInt8] = Array("""
INVITE sip:bob@biloxi.example.com SIP/2.0\r
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r
Max-Forwards: 70\r
To: "Bob" <sip:bob@biloxi.example.com>\r
From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774\r
Call-ID: a84b4c76e66710f0c1d3@pc33.atlanta.example.com\r
CSeq: 314159 INVITE\r
Contact: <sip:alice@pc33.atlanta.example.com:5060;transport=udp>\r
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE\r
Supported: replaces, timer, norefersub\r
User-Agent: Callwire/0.1.0 (benchmark)\r
Content-Type: application/sdp\r
Content-Length: 300\r
\r
v=0\r
o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r
s=Session SDP\r
c=IN IP4 192.0.2.101\r
t=0 0\r
m=audio 49172 RTP/AVP 0 8 97 101\r
a=rtpmap:0 PCMU/8000\r
a=rtpmap:8 PCMA/8000\r
a=rtpmap:97 speex/8000\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-16\r
a=ptime:20\r
a=sendrecv\r
a=rtcp:49173 IN IP4 192.0.2.101\r

""".utf8)

/// Frame, validate (parses Via, From, To, Call-ID, CSeq, Max-Forwards, checks Contact and
/// Content-Type) and read the typed values: what a transaction layer needs per message.
@inline(never)
func swiftParse(_ bytes: [UInt8]) -> Int {
    guard let message = try? SIPMessage(datagram: bytes), let core = try? message.validate() else { return 0 }
    return (core.topVia.branch?.utf8.count ?? 0) &+ core.topVia.host.utf8.count &+ (core.from.uri.user?.utf8.count ?? 0)
        &+ (core.from.tag?.utf8.count ?? 0) &+ (core.to.uri.user?.utf8.count ?? 0) &+ Int(core.cseq.sequence)
        &+ core.cseq.method.rawValue.utf8.count &+ core.callID.utf8.count
}

@inline(never)
func osipParse(_ bytes: [UInt8]) -> UInt {
    bytes.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
            osip_reference_parse($0, buffer.count)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    osip_reference_init()
    precondition(swiftParse(invite) > 0 && osipParse(invite) > 0, "both parsers must accept the INVITE")
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 3, scalingFactor: .kilo, maxDuration: .seconds(10), maxIterations: 40)

    Benchmark("SIPCore parse+validate \(invite.count)-byte INVITE (per message)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(swiftParse(invite)) }
    }

    Benchmark("libosip2 parse+read same INVITE (per message)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(osipParse(invite)) }
    }

    // Both parsers in alternating blocks inside one sample, so machine drift hits both:
    // SIPCore time / libosip2 time in per-mille (200 = the 0.2× target).
    Benchmark("SIPCore vs libosip2, interleaved (per mille)",
              configuration: .init(metrics: [.custom("SIPCore/libosip2 ‰", polarity: .prefersSmaller, useScalingFactor: false)],
                                   warmupIterations: 2, scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 30)) { benchmark in
        let clock = ContinuousClock()
        var swiftTime = Duration.zero, osipTime = Duration.zero
        for round in 0..<10 {
            for pass in 0..<2 {
                let start = clock.now
                if (round % 2 == 0) == (pass == 0) {
                    for _ in 0..<500 { blackHole(swiftParse(invite)) }
                    swiftTime += clock.now - start
                } else {
                    for _ in 0..<500 { blackHole(osipParse(invite)) }
                    osipTime += clock.now - start
                }
            }
        }
        benchmark.measurement(.custom("SIPCore/libosip2 ‰", polarity: .prefersSmaller, useScalingFactor: false),
                              Int((swiftTime / osipTime * 1000).rounded()))
    }
}
