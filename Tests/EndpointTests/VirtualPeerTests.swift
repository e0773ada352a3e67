import Endpoint
import EndpointTesting
import Foundation
import SIPCore
import SIPDialog
import Testing

/// What Callwire answers to a peer that re-offers and sends requests it does not take, on
/// virtual time (RFC 3264 §8, RFC 3261 §8.2.1, §21.4.26).
@Suite("A scripted peer's re-offers and requests, on virtual time", .serialized)
struct VirtualPeerTests {
    /// Alice (listening, not registered) calls a scripted peer, which answers at once.
    func callPeer() async throws -> (VirtualWorld, ScriptedPeer, CallerProbe, Call) {
        let world = try VirtualWorld()
        let peer = try ScriptedPeer(net: world.net, host: "127.0.0.40")
        let alice = try await world.caller("alice", host: "127.0.0.11") {
            $0.pipeline = VirtualWorld.tone(500)
            $0.register = false
            $0.listen = true
        }
        let call = try await alice.caller.endpoint.dial(try NameAddress.parse(peer.uri))
        await world.net.run(for: .seconds(1))
        return (world, peer, alice, call)
    }

    @Test("a re-INVITE that moves the peer's media re-targets RTP; one with only an unknown codec gets 488 with a Warning and the call goes on")
    func reoffers() async throws {
        let (world, peer, alice, call) = try await callPeer()
        #expect(await call.state == .active)
        let first = peer.sessions[0].reception.received
        #expect(first > 20, "media arrives at the first address: \(first)")

        let moved = ScriptedPeer.sdp(host: peer.host, port: peer.sessions[1].rtpPort, codecs: [(0, "PCMU/8000")], version: 2)
        let (status, _) = try await world.net.perform { await peer.reoffer(moved) }
        #expect(status == 200)
        await world.net.run(for: .seconds(1))
        let afterMove = peer.sessions[0].reception.received
        await world.net.run(for: .seconds(1))
        #expect(peer.sessions[0].reception.received == afterMove, "nothing more at the old address")
        #expect(peer.sessions[1].reception.received > 40, "media follows to the new one")

        let unknown = ScriptedPeer.sdp(host: peer.host, port: peer.sessions[1].rtpPort, codecs: [(18, "G729/8000")], version: 3)
        let (refused, response) = try await world.net.perform { await peer.reoffer(unknown) }
        #expect(refused == 488)
        let warning = response?.headers[.warning] ?? ""
        #expect(warning.hasPrefix("305 ") && warning.contains("G729"), "Warning: \(warning)")
        let before = peer.sessions[1].reception.received
        await world.net.run(for: .seconds(1))
        #expect(peer.sessions[1].reception.received > before + 40, "the call keeps its media")
        #expect(await call.state == .active)
        #expect(alice.events.contains { if case .offerRejected(_, 488, _) = $0 { true } else { false } })
        try await world.net.perform { await call.hangUp() }
        await world.close()
    }

    @Test("requests Callwire does not take: 405 with Allow for REFER and SUBSCRIBE, 501 for an unknown method, in and out of a dialog; OPTIONS lists Allow, Accept, Supported")
    func methods() async throws {
        let (world, peer, _, call) = try await callPeer()
        for (method, expected) in [(SIPMethod.refer, 405), (.subscribe, 405), (.notify, 405), ("FROBNICATE", 501)] {
            let (status, response) = try await world.net.perform { await peer.request(method) }
            #expect(status == expected, "\(method) in the dialog: \(status)")
            #expect(response?.headers[.allow] == SIPUserAgent.allow, "\(method): Allow lists what is implemented")
        }
        let target = "sip:alice@127.0.0.11:5060"
        for (method, expected) in [(SIPMethod.register, 405), (.subscribe, 405), (.refer, 405), (.notify, 405), (.info, 405),
                                   (.update, 405), ("FROBNICATE", 501)] {
            let response = try await world.net.perform { try await peer.requestOutside(method, to: target) }
            #expect(response.status == expected, "\(method) outside a dialog: \(response.status ?? 0)")
            #expect(response.headers[.allow] == SIPUserAgent.allow)
        }
        let options = try await world.net.perform { try await peer.requestOutside(.options, to: target) }
        #expect(options.status == 200)
        #expect(options.headers[.allow] == "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, UPDATE")
        #expect(options.headers[.accept]?.contains("application/dtmf-relay") == true)
        #expect(options.headers[.supported] != nil)
        #expect(await call.state == .active, "the call goes on")
        try await world.net.perform { await call.hangUp() }
        await world.close()
    }
}
