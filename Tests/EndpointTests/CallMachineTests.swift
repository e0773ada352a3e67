import Endpoint
import SDP
import Testing

/// The call's state machine alone: every transition, and the inputs it ignores.
@Suite("Call state machine")
struct CallMachineTests {
    func media(remoteHold: Bool = false, codec: String = "PCMU", direction: Direction = .sendrecv) -> NegotiatedAudio {
        NegotiatedAudio(codec: RTPMap(payloadType: codec == "PCMU" ? 0 : 8, encoding: codec, clockRate: 8_000), telephoneEvent: nil,
                        remoteAddress: "127.0.0.1", remotePort: 4_000, remoteRTCPPort: 4_001, direction: direction, packetTime: 20,
                        remoteHold: remoteHold)
    }

    @Test("outgoing: dial → ringing → early media → answered → held → active → hang up → closed")
    func outgoing() {
        var machine = CallMachine()
        #expect(machine.handle(.dial) == [.enter(.inviting)])
        #expect(machine.handle(.provisional(media: nil)) == [.enter(.ringing)])
        #expect(machine.handle(.provisional(media: media())) == [.enter(.early), .media(media())])
        #expect(machine.handle(.answered(media())) == [.enter(.active), .media(media())])
        #expect(machine.handle(.renegotiated(media(remoteHold: true))) == [.enter(.held(.remote)), .media(media(remoteHold: true))])
        machine.localHold = true
        #expect(machine.handle(.renegotiated(media(remoteHold: true))) == [.enter(.held([.local, .remote])), .media(media(remoteHold: true))])
        machine.localHold = false
        #expect(machine.handle(.renegotiated(media(codec: "PCMA"))) == [.enter(.active), .media(media(codec: "PCMA"))])
        #expect(machine.handle(.renegotiated(media(codec: "PCMA"))) == [.media(media(codec: "PCMA"))], "same state: media only")
        #expect(machine.handle(.hangUp) == [.enter(.terminating)])
        #expect(machine.handle(.renegotiated(media())).isEmpty, "nothing changes while terminating")
        #expect(machine.handle(.ended) == [.enter(.closed), .stopMedia])
        #expect(machine.state == .closed)
    }

    @Test("incoming: inviting → ringing (alerting) → answered; an answer without media is active with none")
    func incoming() {
        var machine = CallMachine()
        #expect(machine.handle(.incoming) == [.enter(.inviting)])
        #expect(machine.handle(.alerting) == [.enter(.ringing)])
        #expect(machine.handle(.answered(nil)) == [.enter(.active)])
        #expect(machine.state.isAnswered)
    }

    @Test("inputs that make no sense are ignored: nothing after the end, no 18x after the answer, no second dial")
    func ignored() {
        var machine = CallMachine()
        #expect(machine.handle(.answered(media())).isEmpty, "an answer before any INVITE")
        _ = machine.handle(.dial)
        #expect(machine.handle(.dial).isEmpty)
        _ = machine.handle(.answered(media()))
        #expect(machine.handle(.provisional(media: nil)).isEmpty)
        #expect(machine.handle(.alerting).isEmpty)
        _ = machine.handle(.ended)
        for input: CallMachine.Input in [.dial, .incoming, .hangUp, .ended, .answered(nil), .renegotiated(media())] {
            #expect(machine.handle(input).isEmpty, "\(input) after closed")
        }
    }

    @Test("a call can end from any live state, each time stopping media once")
    func endFromAnywhere() {
        for prefix: [CallMachine.Input] in [[], [.dial], [.dial, .provisional(media: nil)], [.incoming, .answered(nil)], [.dial, .hangUp]] {
            var machine = CallMachine()
            for input in prefix { _ = machine.handle(input) }
            let actions = machine.handle(.ended)
            #expect(actions.last == .stopMedia, "\(prefix)")
            #expect(machine.handle(.ended).isEmpty)
        }
    }

    @Test("state names are the event names; held says who holds")
    func names() {
        #expect(CallState.held([.local, .remote]).description == "held")
        #expect(HoldSide([.local, .remote]).description == "both")
        #expect([CallState.idle, .inviting, .ringing, .early, .active, .terminating, .closed].map(\.description)
                == ["idle", "inviting", "ringing", "early", "active", "terminating", "closed"])
    }
}
