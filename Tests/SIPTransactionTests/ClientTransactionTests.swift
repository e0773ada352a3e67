import SIPCore
import SIPTransaction
import Testing

@Suite("Client transactions on virtual time (RFC 3261 §17.1, RFC 6026)")
struct ClientTransactionTests {
    @Test("INVITE over UDP with no answer: Timer A doubles from T1, Timer B times out at 64·T1 = 32 s")
    func inviteTimeout() throws {
        var rt = VirtualRuntime()
        let id = try rt.start(Fixture.request(.invite))
        rt.advance(to: .seconds(40))
        #expect(rt.sendTimes("INVITE") == [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5])
        #expect(rt.told { if case .timedOut(id) = $0 { true } else { false } } == [32])
        #expect(rt.layer.count == 0)
    }

    @Test("INVITE over TCP: no retransmission, Timer B still 32 s; Timer D is zero after a failure")
    func inviteReliable() throws {
        var rt = VirtualRuntime()
        _ = try rt.start(Fixture.request(.invite), reliable: true)
        rt.advance(to: .seconds(40))
        #expect(rt.sendTimes("INVITE") == [0])
        #expect(rt.told { if case .timedOut = $0 { true } else { false } } == [32])

        var tcp = VirtualRuntime()
        let invite = Fixture.request(.invite)
        _ = try tcp.start(invite, reliable: true)
        tcp.advance(to: .seconds(1))
        tcp.receive(Fixture.response(486, to: invite), reliable: true)
        tcp.advance(to: .seconds(1))
        #expect(tcp.told { if case .terminated = $0 { true } else { false } } == [1])
    }

    @Test("a provisional response stops Timer A; a non-2xx final is ACKed by the transaction, again on its retransmission; Timer D = 32 s")
    func inviteRejected() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite)
        _ = try rt.start(invite)
        rt.advance(to: .seconds(1))
        rt.receive(Fixture.response(180, to: invite))
        rt.advance(to: .seconds(10))
        #expect(rt.sendTimes("INVITE") == [0, 0.5], "no retransmission after the 180 at 1 s")
        rt.receive(Fixture.response(486, to: invite))
        rt.advance(to: .seconds(12))
        rt.receive(Fixture.response(486, to: invite))
        #expect(rt.sendTimes("ACK") == [10, 12])
        let ack = try #require(rt.sent.last?.message)
        #expect(try ack.cseq == CSeq(1, .ack) && (try ack.to?.tag) == "t1" && ack.headers[.via] == invite.headers[.via])
        #expect(rt.told { if case .response = $0 { true } else { false } }.count == 2, "180 and one 486 reach the TU")
        rt.advance(to: .seconds(60))
        #expect(rt.told { if case .terminated = $0 { true } else { false } } == [42], "Timer D: 10 s + 32 s")
    }

    @Test("a 2xx moves the INVITE client to Accepted: every 2xx goes to the TU (which ACKs), Timer M = 32 s")
    func inviteAccepted() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite)
        _ = try rt.start(invite)
        rt.receive(Fixture.response(200, to: invite))
        rt.advance(to: .seconds(2))
        rt.receive(Fixture.response(200, to: invite, toTag: "fork-2"))
        #expect(rt.told { if case .response = $0 { true } else { false } } == [0, 2])
        #expect(rt.sendTimes("ACK").isEmpty, "the transaction does not ACK a 2xx")
        rt.advance(to: .seconds(40))
        #expect(rt.told { if case .terminated = $0 { true } else { false } } == [32])
        rt.receive(Fixture.response(200, to: invite))
        #expect(rt.told { if case .strayResponse = $0 { true } else { false } }.count == 1)
    }

    @Test("non-INVITE over UDP: Timer E doubles up to T2 = 4 s, Timer F = 32 s")
    func nonInviteTimeout() throws {
        var rt = VirtualRuntime()
        _ = try rt.start(Fixture.request(.options))
        rt.advance(to: .seconds(40))
        #expect(rt.sendTimes("OPTIONS") == [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5])
        #expect(rt.told { if case .timedOut = $0 { true } else { false } } == [32])
    }

    @Test("non-INVITE: in Proceeding retransmit every T2; a final ends it after Timer K = T4 = 5 s (0 on TCP)")
    func nonInviteProceeding() throws {
        var rt = VirtualRuntime()
        let request = Fixture.request(.register)
        _ = try rt.start(request)
        rt.advance(to: .seconds(0.6))
        rt.receive(Fixture.response(100, to: request, toTag: nil))
        rt.advance(to: .seconds(10))
        #expect(rt.sendTimes("REGISTER") == [0, 0.5, 1.5, 5.5, 9.5])
        rt.receive(Fixture.response(200, to: request))
        rt.advance(to: .seconds(20))
        #expect(rt.told { if case .terminated = $0 { true } else { false } } == [15])
    }

    @Test("a transport error fails the transaction at once (the TU acts as on 503)")
    func transportError() throws {
        var rt = VirtualRuntime()
        let id = try rt.start(Fixture.request(.message))
        rt.run(rt.layer.transportError(for: id))
        #expect(rt.told { if case .transportFailed = $0 { true } else { false } } == [0])
        #expect(rt.timers.isEmpty && rt.layer.count == 0)
    }

    @Test("responses are matched by branch and CSeq method; others are stray")
    func matching() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite, branch: "z9hG4bKaaa")
        _ = try rt.start(invite)
        var cancel = Fixture.request(.cancel, branch: "z9hG4bKaaa")
        cancel.headers.set(.cseq, "1 CANCEL")
        _ = try rt.start(cancel)
        rt.receive(Fixture.response(200, to: cancel))
        rt.receive(Fixture.response(180, to: Fixture.request(.invite, branch: "z9hG4bKother")))
        let responses = rt.told.compactMap { entry -> String? in
            if case .response(let message, let id) = entry.event { return "\(message.status!) \(id.method.rawValue)" }
            if case .strayResponse(let message) = entry.event { return "stray \(message.status!)" }
            return nil
        }
        #expect(responses == ["200 CANCEL", "stray 180"])
    }
}
