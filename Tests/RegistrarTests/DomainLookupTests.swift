import Foundation
import Registrar
import SIPCore
import Testing

/// Request-URIs and addresses of record are looked up by domain, not by string.
@Suite("Lookup by domain", .serialized, .timeLimit(.minutes(2)))
struct DomainLookupTests {
    @Test("the server's own addresses and names, with or without its port, are the default domain; other ports are other UAs")
    func ownNames() {
        let domains = ServedDomains(domains: [], listening: [("127.0.0.1", 5060)], advertised: "127.0.0.1", hostName: "pbx")
        #expect(domains.defaultDomain == "localhost")
        for (host, port) in [("127.0.0.1", 5060), ("127.0.0.1", nil), ("LOCALHOST", 5060), ("localhost", nil), ("pbx", nil)] as [(String, Int?)] {
            #expect(domains.domain(host: host, port: port) == "localhost", "\(host):\(port.map(String.init) ?? "-")")
        }
        #expect(domains.domain(host: "127.0.0.1", port: 5070) == nil, "another port on our host is another UA")
        #expect(domains.domain(host: "example.com", port: nil) == nil)
    }

    @Test("-r domains are separate domains; --alias joins a name (or name:port) to one")
    func hostedAndAliases() throws {
        let domains = ServedDomains(domains: ["example.com", "example.org"],
                                    aliases: [.init(name: "sip.example.com", domain: "example.com"), try #require(.init(argument: "pbx.local:5080")),
                                              try #require(.init(argument: "EXAMPLE.net=example.org"))],
                                    listening: [("0.0.0.0", 5060), ("0.0.0.0", 5080)], advertised: "192.0.2.1", hostName: "pbx")
        #expect(domains.defaultDomain == "example.com")
        #expect(domains.domain(host: "example.org", port: nil) == "example.org", "a second -r domain is its own domain")
        #expect(domains.domain(host: "sip.example.com", port: 5080) == "example.com")
        #expect(domains.domain(host: "example.net", port: nil) == "example.org")
        #expect(domains.domain(host: "pbx.local", port: 5080) == "example.com")
        #expect(domains.domain(host: "[::1]", port: 5060) == "example.com", "a wildcard listener answers on loopback")
        #expect(domains.domain(host: "192.0.2.1", port: nil) == "example.com")
        #expect(domains.domain(host: "pbx", port: nil) == nil, "with -r the host name is not a domain unless aliased")
        #expect(ServedDomains.Alias(argument: "=x") == nil)
        #expect(ServedDomains.Alias(argument: "a=") == nil)
    }

    @Test("bob registered as sip:bob@localhost is reached as sip:bob@127.0.0.1:PORT and sip:bob@127.0.0.1, and the reverse")
    func registeredUnderAnotherName() async throws {
        let server = try await TestServer()
        let port = server.port
        for (registered, called) in [("localhost", "127.0.0.1:\(port)"), ("127.0.0.1", "localhost:\(port)"), ("127.0.0.1:\(port)", "localhost")] {
            let bob = try await TestCaller {
                $0.listen = true
                $0.register = true
                $0.user = "bob"
                $0.domain = registered
                $0.proxy = "127.0.0.1:\(port)"
            }
            await bob.caller.start()
            try await bob.expect("registered as sip:bob@\(registered)", isRegistered)
            let alice = try await TestCaller {
                $0.to = try? NameAddress.parse("sip:bob@\(called)")
                $0.proxy = "127.0.0.1:\(port)"
                $0.send = "found you"
            }
            alice.caller.inputEnded()
            await alice.caller.start()
            #expect(await alice.finished() == 0, "registered as \(registered), called as \(called): \(alice.events)")
            try await bob.expect("the message") { if case .messageReceived(_, "found you") = $0 { true } else { false } }
            await alice.close()
            await bob.close()
        }
        await server.close()
    }

    @Test("sipp's uac with its default Request-URI (sip:service@127.0.0.1:PORT) reaches a sipp uas registered as sip:service@localhost")
    func sippDefaultRequestURI() async throws {
        let server = try await TestServer()
        let uasPort = try freeUDPPort()
        let uas = try Sipp.start(["-sn", "uas", "-i", "127.0.0.1", "-p", String(uasPort), "-nostdin"])
        defer { Sipp.stop(uas) }
        let socket = try UDPClient(port: server.port)
        let register = """
            REGISTER sip:localhost SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.1:\(uasPort);branch=z9hG4bK-service1\r
            Max-Forwards: 70\r
            From: <sip:service@localhost>;tag=s1\r
            To: <sip:service@localhost>\r
            Call-ID: service-register@127.0.0.1\r
            CSeq: 1 REGISTER\r
            Contact: <sip:service@127.0.0.1:\(uasPort)>\r
            Expires: 600\r
            Content-Length: 0\r
            \r

            """
        var answers: [String] = []
        for _ in 0..<50 where answers.isEmpty {
            socket.send(Array(register.utf8))
            try await Task.sleep(for: .milliseconds(20))
            answers = socket.drain()
        }
        #expect(answers.first?.hasPrefix("SIP/2.0 200") == true, "\(answers)")
        let result = try await Sipp.run(["-sn", "uac", "-i", "127.0.0.1", "-p", String(try freeUDPPort()), "-m", "20", "-r", "10",
                                         "-nostdin", "-timeout", "60s", "127.0.0.1:\(server.port)"])
        #expect(result.status == 0, "sipp uac:\n\(result.output)")
        await server.close()
    }
}
