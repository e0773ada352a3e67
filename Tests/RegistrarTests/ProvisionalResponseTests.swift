@testable import Registrar
import SIPCore
import Testing

/// RFC 3261 §16.2: a stateful proxy answers an INVITE with one 100 Trying of its own; the
/// transaction layer's automatic 100 (§17.2.1) must not go out beside it.
@Suite("The proxy's 100 Trying")
struct ProvisionalResponseTests {
    @Test("a forwarded INVITE gets exactly one 100 Trying, carrying the server's Server header; a refused one gets none beside its final")
    func oneTrying() throws {
        let bench = SteadyCostTests.Bench()
        #expect(bench.registerService(tag: "t1").first?.0.status == 200)
        let sent = bench.send(SteadyCostTests.invite(11), from: SteadyCostTests.uac)
        let trying = sent.filter { $0.0.status == 100 && $0.1 == SteadyCostTests.uac }
        #expect(trying.count == 1, "\(sent.map { "\($0.0.status ?? 0) \($0.0.method?.rawValue ?? "") to \($0.1)" })")
        #expect(trying.first?.0.headers[.server] != nil)
        #expect(sent.contains { $0.0.method == .invite && $0.1 == SteadyCostTests.uas })

        // An INVITE for a user nobody registered: 404, and no 100 before it.
        let unknown = SteadyCostTests.invite(12).replacingOccurrences(of: "sip:service@", with: "sip:nobody@")
        let refused = bench.send(unknown, from: SteadyCostTests.uac)
        #expect(refused.map { $0.0.status ?? 0 } == [404], "\(refused.map { $0.0.status ?? 0 })")
    }
}
