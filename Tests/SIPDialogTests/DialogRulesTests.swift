import SIPCore
import SIPDialog
import SIPTransaction
import SIPTransport
import TestSupport
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

    @Test("Contact is parsed when first needed: an INVITE with a malformed one gets 400 naming it; an OPTIONS does not care")
    func malformedContact() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(), user: "alice"), bob = TestAgent.make(network.endpoint(), user: "bob")
        // RFC 4475 §3.1.2.13: a URI with headers must be enclosed in < >.
        let bad = "sip:alice@127.0.0.1?Route=%3Csip:sip.example.com%3E"
        var invite = request(.invite, to: bob)
        invite.headers.add(.contact, bad)
        let refused = try #require(await exchange(alice, invite, to: bob))
        #expect(refused.status == 400)
        #expect(refused.reason?.contains("Contact") == true, "\(refused.reason ?? "")")
        var options = request(.options, to: bob)
        options.headers.add(.contact, bad)
        #expect(await exchange(alice, options, to: bob)?.status == 200)
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
        let requests = { log.all.compactMap { event -> SIPMessage? in if case .request(let m) = event { return m } else { return nil } } }
        try await Readiness.wait(for: "the OPTIONS at bob") { !requests().isEmpty }
        let received = requests()
        let top = try #require(try received.first?.vias.first)
        #expect(top.received == "127.0.0.1")
        #expect(top.rport == .port(alice.address.port))
    }
}

@Suite("Proxies, glare, NAT and IPv6", .timeLimit(.minutes(1)))
struct ProxyGlareTests {
    @Test("an outbound proxy gets a loose Route; a strict one becomes the Request-URI with the target last in Route")
    func outboundProxy() async throws {
        let network = LoopbackNetwork()
        let proxyTransport = network.endpoint()
        let log = EventLog()
        let proxy = TestAgent.make(proxyTransport, user: "proxy", answering: .reject(status: 403))
        proxy.agent.onEvent { log.append($0) }
        for strict in [false, true] {
            var options = SIPUserAgent.Options(user: "alice")
            options.outboundProxy = SIPURI(host: proxy.address.host, port: proxy.address.port)
            options.strictRoute = strict
            let stack = SIPStack(transport: network.endpoint(), eventLoop: proxy.agent.stack.eventLoop,
                                 advertised: SIPDestination(kind: .udp, host: "127.0.0.1", port: 1))
            let alice = SIPUserAgent(stack: stack, options: options)
            let target = try SIPURI.parse("sip:bob@example.com")
            _ = await alice.invite(target, from: NameAddress(uri: try SIPURI.parse("sip:alice@example.com")),
                                   to: NameAddress(uri: target), destination: proxy.address)
        }
        let invites = log.all.compactMap { event -> SIPMessage? in
            if case .request(let message) = event, message.method == .invite { return message }
            return nil
        }
        #expect(invites.count == 2)
        guard invites.count == 2 else { return }
        #expect(invites[0].requestURI?.description == "sip:bob@example.com")
        #expect(invites[0].headers.values(.route) == ["<sip:\(proxy.address.hostPort);lr>"])
        #expect(invites[1].requestURI?.description == "sip:\(proxy.address.hostPort)")
        #expect(invites[1].headers.values(.route) == ["<sip:bob@example.com>"])
    }

    @Test("crossing re-INVITEs: the one that meets a pending re-INVITE gets 491, and each side's retry after the §14.1 wait ends 200")
    func glare() async throws {
        let network = LoopbackNetwork()
        let alice = TestAgent.make(network.endpoint(), user: "alice"), bob = TestAgent.make(network.endpoint(), user: "bob")
        let bobLog = EventLog(), aliceLog = EventLog()
        bob.agent.onEvent { bobLog.append($0) }
        alice.agent.onEvent { aliceLog.append($0) }
        let (aliceCall, outcome) = await alice.call(bob)
        guard case .established = outcome else {
            Issue.record("no call")
            return
        }
        let established = { bobLog.all.compactMap { event -> SIPUserAgent.Call? in
            if case .established(let call) = event { return call } else { return nil }
        } }
        try await Readiness.wait(for: "bob's side of the call") { !established().isEmpty }
        let bobCall = try #require(established().first)
        let sdp = Array("v=0\r\no=- 3 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4004 RTP/AVP 0\r\n".utf8)
        // Hold the loopback network until both re-INVITEs are on it, so they cross.
        network.suspendDelivery()
        async let a = alice.agent.reinvite(aliceCall, body: sdp)
        async let b = bob.agent.reinvite(bobCall, body: sdp)
        let bothSent: Void? = try? await Readiness.wait(for: "both re-INVITEs sent", timeout: .seconds(10)) { network.invitesHeld >= 2 }
        network.resumeDelivery()
        let (fromAlice, fromBob) = await (a, b)
        #expect(bothSent != nil, "both re-INVITEs were sent while the network was held")
        #expect(fromAlice == 200 && fromBob == 200)
        let glare = (aliceLog.statuses + bobLog.statuses).filter { $0 == 491 }
        #expect(glare.count == 2, "both crossing re-INVITEs were refused with 491 once")
    }

    @Test("a call over IPv6 (::1) works")
    func ipv6() async throws {
        let a = try await SIPNetworkTransport.start(TransportOptions(listeners: [.init(kind: .udp, host: "::1", port: 0)]))
        let b = try await SIPNetworkTransport.start(TransportOptions(listeners: [.init(kind: .udp, host: "::1", port: 0)]))
        let alice = TestAgent.make(a, user: "alice"), bob = TestAgent.make(b, user: "bob")
        let (call, outcome) = await alice.call(bob)
        guard case .established = outcome else {
            Issue.record("IPv6 call failed: \(outcome)")
            return
        }
        #expect(call.dialog?.remoteTarget.host == "[::1]" || call.dialog?.remoteTarget.host == "::1")
        await alice.agent.hangUp(call)
        await a.close()
        await b.close()
    }
}
