import SIPCore
import SIPTransaction
import Testing

/// A runtime cancels only ``TransactionTimer/armable(invite:server:)`` when a transaction ends
/// (the server's worker and the endpoint's stack both do): a timer missing from that list would
/// outlive its transaction and fire on nothing.
@Suite("The timers each kind of transaction can arm")
struct ArmableTimerTests {
    /// Runs every path of the four machines (timeouts, provisional and final responses, ACKs,
    /// retransmissions, UDP and TCP) and returns the timers they started.
    func everyPath() throws -> [(id: TransactionID, timer: TransactionTimer)] {
        var started: [(id: TransactionID, timer: TransactionTimer)] = []
        for reliable in [false, true] {
            // Clients: no answer; 180 then 486; 200; non-INVITE unanswered, 100 then 200.
            for status in [nil, 486, 200] as [Int?] {
                var rt = VirtualRuntime()
                let invite = Fixture.request(.invite)
                _ = try rt.start(invite, reliable: reliable)
                rt.advance(to: .seconds(1))
                if let status {
                    rt.receive(Fixture.response(180, to: invite), reliable: reliable)
                    rt.receive(Fixture.response(status, to: invite), reliable: reliable)
                }
                rt.advance(to: .seconds(80))
                started += rt.started
            }
            for answered in [false, true] {
                var rt = VirtualRuntime()
                let options = Fixture.request(.options)
                _ = try rt.start(options, reliable: reliable)
                rt.advance(to: .seconds(1))
                if answered {
                    rt.receive(Fixture.response(100, to: options), reliable: reliable)
                    rt.advance(to: .seconds(6))
                    rt.receive(Fixture.response(200, to: options), reliable: reliable)
                }
                rt.advance(to: .seconds(80))
                started += rt.started
            }
            // Servers: INVITE answered 486 (ACKed and not), 200; non-INVITE answered.
            for (status, acked) in [(486, false), (486, true), (200, true)] {
                var rt = VirtualRuntime()
                let invite = Fixture.request(.invite, branch: "z9hG4bKarm")
                rt.receive(invite, reliable: reliable)
                let id = try #require(rt.told.compactMap { if case .request(_, let id) = $0.event { id } else { nil } }.first)
                rt.run(rt.layer.respond(Fixture.response(status, to: invite), to: id))
                rt.advance(to: .seconds(1))
                if acked {
                    var ack = Fixture.request(.ack, branch: "z9hG4bKarm", toTag: "t1")
                    ack.headers.set(.cseq, "1 ACK")
                    rt.receive(ack, reliable: reliable)
                }
                rt.advance(to: .seconds(80))
                started += rt.started
            }
            var rt = VirtualRuntime()
            let bye = Fixture.request(.bye, toTag: "t1")
            rt.receive(bye, reliable: reliable)
            let id = try #require(rt.told.compactMap { if case .request(_, let id) = $0.event { id } else { nil } }.first)
            rt.run(rt.layer.respond(Fixture.response(200, to: bye), to: id))
            rt.advance(to: .seconds(80))
            started += rt.started
        }
        return started
    }

    @Test("every timer a transaction starts is armable for its kind, and each kind's list is what its machine uses")
    func armable() throws {
        let started = try everyPath()
        for (id, timer) in started {
            #expect(TransactionTimer.armable(invite: id.method == .invite, server: id.isServer).contains(timer),
                    "\(id) started Timer \(timer.rawValue.uppercased())")
        }
        for invite in [false, true] {
            for server in [false, true] {
                let used = Set(started.filter { ($0.id.method == .invite) == invite && $0.id.isServer == server }.map(\.timer))
                #expect(used == Set(TransactionTimer.armable(invite: invite, server: server)),
                        "invite \(invite), server \(server): started \(used.map(\.rawValue).sorted())")
            }
        }
        let all = Set([false, true].flatMap { invite in [false, true].flatMap { TransactionTimer.armable(invite: invite, server: $0) } })
        #expect(all == Set(TransactionTimer.allCases), "every timer belongs to some kind")
    }
}
