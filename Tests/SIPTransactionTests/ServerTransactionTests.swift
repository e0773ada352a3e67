import SIPCore
import SIPTransaction
import Testing

@Suite("Server transactions on virtual time (RFC 3261 §17.2, RFC 6026)")
struct ServerTransactionTests {
    func newRequest(_ rt: inout VirtualRuntime, _ request: SIPMessage, reliable: Bool = false) -> TransactionID? {
        rt.receive(request, reliable: reliable)
        for entry in rt.told.reversed() {
            if case .request(_, let id) = entry.event { return id }
        }
        return nil
    }

    /// When requests whose Via branch contains `branch` were handed to the TU.
    func deliveredRequests(_ rt: VirtualRuntime, branch: String) -> [Double] {
        rt.told { event in
            if case .request(let message, _) = event { return message.headers[.via]?.contains(branch) == true }
            return false
        }
    }

    @Test("a copy of the layer is a value: stepping a transaction in one copy leaves the other's as it was")
    func copiesAreValues() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite)
        let id = try #require(newRequest(&rt, invite))
        let before = rt.layer
        var after = rt.layer
        _ = after.respond(Fixture.response(486, to: invite), to: id)
        #expect(!after.isPending(id))
        #expect(before.isPending(id), "the copy's INVITE transaction still waits for a final response")
        // And the copy still works on its own: a final response there sends the 486 too.
        var other = before
        let events = other.respond(Fixture.response(486, to: invite), to: id)
        #expect(events.contains { if case .send(let message, _) = $0 { message.status == 486 } else { false } })
        #expect(rt.layer.isPending(id))
    }

    @Test("INVITE: 100 Trying at once; a non-2xx is resent on Timer G (T1 doubling to T2) until Timer H = 32 s")
    func noAck() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite)
        let id = try #require(newRequest(&rt, invite))
        #expect(rt.sendTimes("100") == [0])
        rt.run(rt.layer.respond(Fixture.response(486, to: invite), to: id))
        rt.advance(to: .seconds(40))
        #expect(rt.sendTimes("486") == [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5])
        #expect(rt.told { if case .timedOut = $0 { true } else { false } } == [32])
    }

    @Test("INVITE: the ACK of a non-2xx stops G and H; Timer I = T4 = 5 s absorbs ACK retransmissions")
    func acked() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite, branch: "z9hG4bKinv")
        let id = try #require(newRequest(&rt, invite))
        rt.run(rt.layer.respond(Fixture.response(603, to: invite), to: id))
        rt.advance(to: .seconds(1))
        var ack = Fixture.request(.ack, branch: "z9hG4bKinv", toTag: "t1")
        ack.headers.set(.cseq, "1 ACK")
        rt.receive(ack)
        rt.advance(to: .seconds(2))
        rt.receive(ack)
        rt.advance(to: .seconds(20))
        #expect(rt.sendTimes("603") == [0, 0.5])
        #expect(rt.told { if case .ack = $0 { true } else { false } }.isEmpty, "a non-2xx ACK stays in the transaction")
        #expect(rt.told { if case .terminated = $0 { true } else { false } } == [6])
    }

    @Test("INVITE: a retransmitted INVITE gets the last response; after a 2xx the transaction waits Timer L = 32 s and the ACK goes to the TU")
    func acceptedState() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite, branch: "z9hG4bKacc")
        let id = try #require(newRequest(&rt, invite))
        rt.run(rt.layer.respond(Fixture.response(180, to: invite), to: id))
        rt.receive(invite)
        #expect(rt.sendTimes("180") == [0, 0])
        rt.run(rt.layer.respond(Fixture.response(200, to: invite), to: id))
        rt.advance(to: .seconds(1))
        rt.receive(invite)   // absorbed in Accepted
        var ack = Fixture.request(.ack, branch: "z9hG4bKacc", toTag: "t1")
        ack.headers.set(.cseq, "1 ACK")
        rt.receive(ack)
        #expect(rt.sendTimes("200") == [0])
        #expect(rt.told { if case .ack = $0 { true } else { false } } == [1])
        rt.advance(to: .seconds(40))
        #expect(rt.told { if case .terminated = $0 { true } else { false } } == [32])
    }

    @Test("non-INVITE: retransmissions absorbed before the response, answered after; Timer J = 32 s on UDP, 0 on TCP")
    func nonInvite() throws {
        var rt = VirtualRuntime()
        let options = Fixture.request(.options, branch: "z9hG4bKopt")
        let id = try #require(newRequest(&rt, options))
        rt.receive(options)
        #expect(rt.sent.isEmpty)
        rt.run(rt.layer.respond(Fixture.response(200, to: options), to: id))
        rt.advance(to: .seconds(3))
        rt.receive(options)
        #expect(rt.sendTimes("200") == [0, 3])
        rt.advance(to: .seconds(40))
        #expect(rt.told { if case .terminated = $0 { true } else { false } } == [32])

        var tcp = VirtualRuntime()
        let tcpID = try #require(newRequest(&tcp, options, reliable: true))
        tcp.run(tcp.layer.respond(Fixture.response(200, to: options), to: tcpID))
        tcp.advance(to: .seconds(0))
        #expect(tcp.told { if case .terminated = $0 { true } else { false } } == [0])
    }

    @Test("RFC 2543 peers (no magic cookie) are matched by their request fields")
    func rfc2543() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite, branch: "oldstyle1")
        let id = try #require(newRequest(&rt, invite))
        rt.run(rt.layer.respond(Fixture.response(486, to: invite), to: id))
        rt.receive(invite)
        #expect(rt.sendTimes("486") == [0, 0])
        #expect(rt.told { if case .request = $0 { true } else { false } }.count == 1)
    }

    @Test("CANCEL finds its INVITE; a merged request (same From tag, Call-ID, CSeq, another branch) gets 482")
    func cancelAndMerged() throws {
        var rt = VirtualRuntime()
        let invite = Fixture.request(.invite, branch: "z9hG4bKfirst")
        let inviteID = try #require(newRequest(&rt, invite))
        var cancel = Fixture.request(.cancel, branch: "z9hG4bKfirst")
        cancel.headers.set(.cseq, "1 CANCEL")
        let cancelID = try #require(newRequest(&rt, cancel))
        #expect(rt.layer.inviteTransaction(cancelledBy: cancelID) == inviteID)
        #expect(rt.layer.isPending(inviteID))

        let merged = Fixture.request(.invite, branch: "z9hG4bKsecond")
        rt.receive(merged)
        #expect(rt.sendTimes("482") == [0])
        #expect(deliveredRequests(rt, branch: "second").isEmpty, "the merged request is not handed to the TU")
    }

    @Test("§8.2.2.2: a request is merged only while the first transaction lives; once it ends, the same request on another branch is new")
    func mergeEndsWithTransaction() throws {
        var rt = VirtualRuntime()
        let first = Fixture.request(.register, branch: "z9hG4bKone")
        let id = try #require(newRequest(&rt, first))
        rt.run(rt.layer.respond(Fixture.response(200, to: first), to: id))
        rt.advance(to: .seconds(1))
        rt.receive(Fixture.request(.register, branch: "z9hG4bKtwo"))
        #expect(rt.sendTimes("482") == [1], "while the first transaction waits out Timer J")
        rt.advance(to: .seconds(40))   // Timer J (64·T1 = 32 s) has ended it
        rt.receive(Fixture.request(.register, branch: "z9hG4bKthree"))
        #expect(rt.sendTimes("482") == [1], "no 482 after the first transaction ended")
        #expect(deliveredRequests(rt, branch: "three").count == 1, "the later request reaches the TU as a new request")
    }
}
