@testable import Registrar
import SIPCore
import SIPTransport
import Testing

/// RFC 3261 §16.3 step 4: a request that comes back to the proxy unchanged (our Via, with the
/// branch hash of §16.6 step 8) is a loop and gets 482; one whose Request-URI changed is a spiral
/// and is forwarded again.
@Suite("Loop detection")
struct LoopDetectionTests {
    @Test("a forwarded INVITE sent back with its Request-URI as received gets 482; with the contact's Request-URI it spirals on")
    func loopAndSpiral() throws {
        let bench = SteadyCostTests.Bench()
        #expect(bench.registerService(tag: "l1").first?.0.status == 200)
        let original = try SIPMessage(datagram: Array(SteadyCostTests.invite(7).replacingOccurrences(of: "\n", with: "\r\n").utf8))
        let sent = bench.send(original, from: SteadyCostTests.uac)
        let forwarded = try #require(sent.first { $0.1 == SteadyCostTests.uas && $0.0.method == .invite }?.0)
        let ourVia = try #require(try forwarded.firstVia)
        #expect(ourVia.branch?.hasPrefix(Via.branchCookie + "cw") == true)

        // Some proxy downstream (its Via on top, ours below) sends it back to the AOR it came
        // for: the same request again.
        var looped = forwarded
        looped.requestURI = original.requestURI
        looped.headers.prepend(.via, "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-loop")
        let answered = bench.send(looped, from: SteadyCostTests.uas)
        #expect(answered.contains { $0.0.status == 482 }, "\(answered.map { "\($0.0.status ?? 0) \($0.0.method?.rawValue ?? "") to \($0.1)" })")
        #expect(!answered.contains { $0.0.method == .invite })

        // Sent back to the contact instead (a spiral: the Request-URI changed): forwarded again.
        var spiral = forwarded
        spiral.headers.prepend(.via, "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-spiral")
        let onward = bench.send(spiral, from: SteadyCostTests.uas)
        #expect(!onward.contains { $0.0.status == 482 }, "\(onward.map { "\($0.0.status ?? 0) \($0.0.reason ?? "")" })")
        #expect(onward.contains { $0.0.method == .invite && $0.1 == SteadyCostTests.uas })
    }
}
