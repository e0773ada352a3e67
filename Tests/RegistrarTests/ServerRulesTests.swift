import Endpoint
import Foundation
import Registrar
import SIPCore
import Testing

/// The registrar's bindings and the proxy's rules.
@Suite("Registrar and proxy rules", .serialized, .timeLimit(.minutes(2)))
struct ServerRulesTests {
    @Test("addresses of record compare by RFC 3261 URI rules, not as strings")
    func aorComparison() throws {
        var location = LocationService()
        let contact = try NameAddress.parse("<sip:alice@10.0.0.1:5070>;q=0.5")
        #expect(location.update(try SIPURI.parse("sip:alice@Example.COM"), contact: contact, expiresIn: 60, callID: "a", sequence: 1, now: 0))
        #expect(location.lookup(try SIPURI.parse("sip:alice@example.com:5060;transport=udp"), now: 1).count == 1)
        #expect(location.lookup(try SIPURI.parse("sip:ALICE@example.com"), now: 1).isEmpty, "the user part is case-sensitive")
        #expect(location.lookup(try SIPURI.parse("sip:alice@example.com"), now: 61).isEmpty, "bindings expire")
    }

    @Test("several contacts come back best q first; an out-of-order CSeq is refused; Expires 0 and * remove")
    func bindings() throws {
        var location = LocationService()
        let aor = try SIPURI.parse("sip:bob@example.com")
        _ = location.update(aor, contact: try NameAddress.parse("<sip:bob@10.0.0.1>;q=0.2"), expiresIn: 60, callID: "c", sequence: 5, now: 0)
        _ = location.update(aor, contact: try NameAddress.parse("<sip:bob@10.0.0.2>;q=0.9"), expiresIn: 60, callID: "c", sequence: 6, now: 0)
        #expect(location.lookup(aor, now: 1).map(\.contact.uri.host) == ["10.0.0.2", "10.0.0.1"])
        #expect(!location.update(aor, contact: try NameAddress.parse("<sip:bob@10.0.0.2>"), expiresIn: 60, callID: "c", sequence: 6, now: 1))
        #expect(location.update(aor, contact: try NameAddress.parse("<sip:bob@10.0.0.2>"), expiresIn: 0, callID: "c", sequence: 7, now: 1))
        #expect(location.lookup(aor, now: 1).count == 1)
        location.removeAll(aor)
        #expect(location.lookup(aor, now: 1).isEmpty)
        let known = location.isKnown(aor)
        #expect(known, "an address of record that registered is still known (480, not 404)")
    }

    @Test("423: a registration shorter than --min-expires is asked again with the minimum")
    func intervalTooBrief() async throws {
        let server = try await TestServer { $0.minimumExpires = 120 }
        let alice = try await TestCaller {
            $0.register = true
            $0.listen = true
            $0.user = "alice"
            $0.domain = server.domain
            $0.registerInterval = 30
        }
        await alice.caller.start()
        try await alice.expect("registered for 120 s") { $0 == .registered(aor: "sip:alice@\(server.domain)", expires: 120) }
        await alice.close()
        await server.close()
    }

    @Test("404 for an unknown user, 403 for a foreign domain without --relay")
    func refusals() async throws {
        let server = try await TestServer()
        let unknown = try await TestCaller {
            $0.domain = server.domain
            $0.to = try? NameAddress.parse("sip:nobody@\(server.domain)")
            $0.send = "hi"
        }
        await unknown.caller.start()
        #expect(await unknown.finished() == 2)
        await unknown.close()
        #expect(unknown.events.contains { if case .response("MESSAGE", 404, _, _, _) = $0 { true } else { false } })
        let foreign = try await TestCaller {
            $0.proxy = "127.0.0.1:\(server.port)"
            $0.to = try? NameAddress.parse("sip:someone@example.org")
            $0.send = "relay me"
        }
        await foreign.caller.start()
        #expect(await foreign.finished() == 2)
        await foreign.close()
        #expect(foreign.events.contains { if case .response("MESSAGE", 403, _, _, _) = $0 { true } else { false } })
        await server.close()
    }

    @Test("a REGISTER whose Contact is malformed gets 400 naming Contact (RFC 4475 §3.1.2.13)")
    func malformedContact() async throws {
        let server = try await TestServer()
        let socket = try UDPClient(port: server.port)
        // regbadct.dat's fault: a URI with headers outside < >, so `?Route=…` cannot be told apart.
        let register = """
            REGISTER sip:\(server.domain) SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-badct1\r
            Max-Forwards: 70\r
            From: <sip:carol@\(server.domain)>;tag=r1\r
            To: <sip:carol@\(server.domain)>\r
            Call-ID: badct1@127.0.0.1\r
            CSeq: 1 REGISTER\r
            Contact: sip:carol@127.0.0.1?Route=%3Csip:sip.example.com%3E\r
            Content-Length: 0\r
            \r

            """
        var responses: [String] = []
        for _ in 0..<50 where responses.isEmpty {
            socket.send(Array(register.utf8))
            try await Task.sleep(for: .milliseconds(20))
            responses = socket.drain()
        }
        let response = try #require(responses.first, "no response to the REGISTER")
        #expect(response.hasPrefix("SIP/2.0 400 "), "\(response)")
        #expect(response.split(separator: "\r\n").first?.contains("Contact") == true, "\(response)")
        await server.close()
    }

    @Test("parallel forking: one contact is busy, the other answers; when all refuse, the 6xx wins")
    func forking() async throws {
        let server = try await TestServer()
        let busy = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = server.domain
            $0.autoRespond = 486
        }
        let answering = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = server.domain
            $0.autoRespondAfter = 0.5
        }
        await busy.caller.start()
        await answering.caller.start()
        try await answering.expect("registered", isRegistered)
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse("sip:alice@\(server.domain)")
            $0.duration = 0.5
        }
        await bob.caller.start()
        #expect(await bob.finished() == 0, "the 486 of one branch does not end the call: \(bob.events)")
        await bob.close()
        await answering.close()
        let decline = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = server.domain
            $0.autoRespond = 603
        }
        await decline.caller.start()
        try await decline.expect("registered", isRegistered)
        let carol = try await TestCaller { $0.to = try? NameAddress.parse("sip:alice@\(server.domain)") }
        await carol.caller.start()
        #expect(await carol.finished() == 2)
        #expect(carol.events.contains { if case .response("INVITE", 603, _, _, _) = $0 { true } else { false } }, "\(carol.events)")
        for caller in [busy, decline, carol] { await caller.close() }
        await server.close()
    }

    @Test("digest: REGISTER gets 401 then 200 with the password, a wrong one fails (exit 4), an unauthenticated INVITE gets 407")
    func authentication() async throws {
        let server = try await TestServer { $0.users = try? UserDirectory(text: "alice wonderland\nbob builder\n") }
        let alice = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = server.domain
            $0.authUser = "alice"
            $0.authPass = "wonderland"
        }
        await alice.caller.start()
        try await alice.expect("registered", isRegistered)
        let mallory = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = server.domain
            $0.authUser = "alice"
            $0.authPass = "guess"
        }
        await mallory.caller.start()
        #expect(await mallory.finished() == 4)
        let stranger = try await TestCaller {
            $0.user = "eve"
            $0.domain = server.domain
            $0.to = try? NameAddress.parse("sip:alice@\(server.domain)")
        }
        await stranger.caller.start()
        #expect(await stranger.finished() == 4)
        #expect(stranger.events.contains { if case .response("INVITE", 407, _, _, _) = $0 { true } else { false } })
        let bob = try await TestCaller {
            $0.user = "bob"
            $0.domain = server.domain
            $0.authUser = "bob"
            $0.authPass = "builder"
            $0.to = try? NameAddress.parse("sip:alice@\(server.domain)")
            $0.duration = 0.5
        }
        await bob.caller.start()
        #expect(await bob.finished() == 0, "\(bob.events)")
        for caller in [alice, mallory, stranger, bob] { await caller.close() }
        await server.close()
    }
}

/// `--location-db`: bindings survive a restart.
@Suite("Registrar persistence", .serialized, .timeLimit(.minutes(1)))
struct PersistenceTests {
    @Test("with a location database, a restarted server still routes to the registered contact")
    func survivesRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("location-\(UUID()).sqlite").path
        let first = try await TestServer { $0.store = try? LocationStore(path: path) }
        let alice = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = first.domain
        }
        await alice.caller.start()
        try await alice.expect("registered", isRegistered)
        first.server.options.store?.flush()
        let port = first.port
        await first.close()
        let second = try await TestServer(port: port) { $0.store = try? LocationStore(path: path) }
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse("sip:alice@localhost:\(port)")
            $0.send = "still there?"
        }
        bob.caller.inputEnded()
        await bob.caller.start()
        #expect(await bob.finished() == 0, "\(bob.events)")
        try await alice.expect("the message") { if case .messageReceived(_, "still there?") = $0 { true } else { false } }
        await alice.close()
        await second.close()
    }
}
