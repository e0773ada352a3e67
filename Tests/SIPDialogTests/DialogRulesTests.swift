import SIPCore
import SIPDialog
import SIPTransaction
import SIPTransport
import Testing

@Suite("Dialog rules", .timeLimit(.minutes(1)))
struct DialogRulesTests {
    /// Sends `request` from `agent`'s stack to `peer` and returns the final response.
    func exchange(_ agent: TestAgent, _ request: SIPMessage, to peer: TestAgent) async -> SIPMessage? {
        await withCheckedContinuation { continuation in
            agent.agent.stack.send(request, to: peer.address) { event in
                switch event {
                case .response(let response) where (response.status ?? 0) >= 200: continuation.resume(returning: response)
                case .response: break
                default: continuation.resume(returning: nil)
                }
            }
        }
    }

    func request(_ method: SIPMethod, to peer: TestAgent, toTag: String? = nil, callID: String = SIPIdentifiers.callID(host: "x"),
                 cseq: UInt32 = 1) -> SIPMessage {
        let uri = SIPURI(user: "bob", host: peer.address.host, port: peer.address.port)
        var message = SIPMessage(method: method, uri: uri)
        message.headers.add(.maxForwards, "70")
        message.headers.add(.from, "<sip:alice@127.0.0.1>;tag=a1")
        message.headers.add(.to, "<\(uri)>" + (toTag.map { ";tag=\($0)" } ?? ""))
        message.headers.add(.callID, callID)
        message.headers.add(.cseq, "\(cseq) \(method.rawValue)")
        return message
    }

    @Test("OPTIONS is answered 200 with Allow, Accept and Supported")
    func options() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(), user: "alice"), bob = TestAgent.make(network.endpoint(), user: "bob")
        let response = try #require(await exchange(alice, request(.options, to: bob), to: bob))
        #expect(response.status == 200)
        #expect(try response.allow.contains(.invite) && response.headers[.accept]?.contains("application/sdp") == true)
        #expect(response.headers.contains(.supported))
    }

    @Test("a request in an unknown dialog gets 481; an unknown Require gets 420 with Unsupported")
    func unknownDialogAndRequire() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(), user: "alice"), bob = TestAgent.make(network.endpoint(), user: "bob")
        #expect(await exchange(alice, request(.bye, to: bob, toTag: "nope"), to: bob)?.status == 481)
        var invite = request(.invite, to: bob)
        invite.headers.add(.require, "100rel-but-not-really")
        let response = try #require(await exchange(alice, invite, to: bob))
        #expect(response.status == 420)
        #expect(try response.unsupported == ["100rel-but-not-really"])
    }

    @Test("in a dialog: a re-INVITE is accepted; a CSeq that goes backwards gets 500; BYE ends it")
    func inDialog() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(), user: "alice"), bob = TestAgent.make(network.endpoint(), user: "bob")
        let (call, outcome) = await alice.call(bob)
        guard case .established = outcome, var dialog = call.dialog else {
            Issue.record("no call: \(outcome)")
            return
        }
        var reinvite = dialog.makeRequest(.invite)
        reinvite.headers.add(.contact, "<sip:alice@\(alice.address.hostPort)>")
        #expect(await exchange(alice, reinvite, to: bob)?.status == 200)
        let stale = dialog.makeRequest(.info, sequence: 1)
        #expect(await exchange(alice, stale, to: bob)?.status == 500)
        await alice.agent.hangUp(call)
        #expect(call.state == .terminated)
    }

    @Test("routing: loose routes keep the remote target as Request-URI; a strict router becomes it, the target goes last in Route")
    func routing() throws {
        var invite = SIPMessage(method: .invite, uri: try SIPURI.parse("sip:bob@biloxi.example.com"))
        invite.headers.add(.from, "<sip:alice@atlanta.example.com>;tag=a")
        invite.headers.add(.to, "<sip:bob@biloxi.example.com>")
        invite.headers.add(.callID, "c1")
        invite.headers.add(.cseq, "1 INVITE")
        var ok = SIPMessage.response(to: invite, status: 200, toTag: "b")
        ok.headers.add(.contact, "<sip:bob@192.0.2.4>")
        ok.headers.add(.recordRoute, "<sip:p2.example.com;lr>")
        ok.headers.add(.recordRoute, "<sip:p1.example.com;lr>")
        var loose = try Dialog(uacRequest: invite, response: ok)
        let bye = loose.makeRequest(.bye)
        #expect(bye.requestURI?.description == "sip:bob@192.0.2.4")
        #expect(bye.headers.values(.route) == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"], "reversed Record-Route")

        ok.headers.remove(.recordRoute)
        ok.headers.add(.recordRoute, "<sip:strict.example.com>")
        var strict = try Dialog(uacRequest: invite, response: ok)
        let strictBye = strict.makeRequest(.bye)
        #expect(strictBye.requestURI?.description == "sip:strict.example.com")
        #expect(strictBye.headers.values(.route) == ["<sip:bob@192.0.2.4>"], "RFC 3261 §12.2.1.1: the remote target last")
        #expect(try strictBye.cseq?.sequence == 2)
    }

    @Test("received Vias get received= when the source differs, and rport filled (RFC 3261 §18.2.1, RFC 3581)")
    func viaStamping() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(host: "127.0.0.1"), user: "alice")
        let bob = TestAgent.make(network.endpoint(host: "127.0.0.1"), user: "bob")
        let log = EventLog()
        bob.agent.onEvent { log.append($0) }
        var options = request(.options, to: bob)
        options.headers.add(.via, "SIP/2.0/UDP 10.0.0.99:5999;branch=z9hG4bKstamp;rport")
        alice.agent.stack.sendStateless(options, to: bob.address)
        try await Task.sleep(for: .milliseconds(100))
        let received = log.all.compactMap { event -> SIPMessage? in if case .request(let m) = event { return m } else { return nil } }
        let top = try #require(try received.first?.vias.first)
        #expect(top.received == "127.0.0.1")
        #expect(top.rport == .port(alice.address.port))
    }
}
