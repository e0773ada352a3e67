import SIPCore
import SIPDialog
import SIPTransport
import Synchronization
import Testing
import TestSupport

/// RFC 3261 §8.2.2.2: a UAS answers 482 to a request that repeats a pending one's From tag,
/// Call-ID and CSeq on another branch (the same request reaching it by two paths), and the 482
/// must reach the sender even though the request never reaches the user agent core.
@Suite("Merged requests", .timeLimit(.minutes(1)))
struct MergedRequestTests {
    @Test("the second copy of an INVITE on another branch gets 482 back at its source; the first is answered as usual")
    func mergedGets482() async throws {
        let network = LoopbackNetwork()
        let bob = TestAgent.make(network.endpoint(), user: "bob", answering: .reject(status: 486))
        let sender = network.endpoint()
        let received = Mutex<[SIPMessage]>([])
        sender.setReceiver { inbound in received.withLock { $0.append(inbound.message) } }
        let source = sender.listening[0]
        for branch in ["z9hG4bKpath1", "z9hG4bKpath2"] {
            let invite = """
                INVITE sip:bob@\(bob.address.hostPort) SIP/2.0\r
                Via: SIP/2.0/UDP \(source.hostPort);branch=\(branch)\r
                From: <sip:alice@example.com>;tag=merge1\r
                To: <sip:bob@example.com>\r
                Call-ID: merged-1@example.com\r
                CSeq: 1 INVITE\r
                Contact: <sip:alice@\(source.hostPort)>\r
                Max-Forwards: 70\r
                Content-Length: 0\r
                \r

                """
            sender.send(try SIPMessage(datagram: Array(invite.utf8)), to: bob.address) { _ in }
        }
        func final(_ branch: String) -> Int? {
            received.withLock { messages in
                messages.first { ($0.status ?? 0) >= 200 && $0.headers[.via]?.contains(branch) == true }?.status
            }
        }
        try await Readiness.wait(for: "final responses on both branches", timeout: .seconds(10)) {
            final("path1") != nil && final("path2") != nil
        }
        #expect(final("path1") == 486)
        #expect(final("path2") == 482)
    }
}
