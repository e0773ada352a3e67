import Endpoint
import Foundation
import Registrar
import SIPCore
import SIPTransport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several workers: a call's messages all reach the worker that owns its Call-ID, over UDP and
/// over TCP, so transactions and dialogs stay whole.
@Suite("Server workers", .serialized, .timeLimit(.minutes(3)))
struct WorkerTests {
    @Test("with 4 workers, 200 sipp calls from one source all succeed (INVITE, 180, 200, ACK, BYE through one worker each)")
    func oneSourceManyWorkers() async throws {
        let server = try await TestServer { $0.workers = 4 }
        let uasPort = try freeUDPPort()
        let uas = try Sipp.start(["-sn", "uas", "-i", "127.0.0.1", "-p", String(uasPort), "-nostdin"])
        defer { Sipp.stop(uas) }
        let socket = try UDPClient(port: server.port)
        let register = "REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(uasPort);branch=z9hG4bK-w1\r\nMax-Forwards: 70\r\n"
            + "From: <sip:service@localhost>;tag=w\r\nTo: <sip:service@localhost>\r\nCall-ID: w@127.0.0.1\r\nCSeq: 1 REGISTER\r\n"
            + "Contact: <sip:service@127.0.0.1:\(uasPort)>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n"
        var answers: [String] = []
        for _ in 0..<50 where answers.isEmpty {
            socket.send(Array(register.utf8))
            try await Task.sleep(for: .milliseconds(20))
            answers = socket.drain()
        }
        #expect(answers.first?.hasPrefix("SIP/2.0 200") == true)
        let calls = try await Sipp.run(["-sn", "uac", "-s", "service", "-i", "127.0.0.1", "-p", String(try freeUDPPort()), "-m", "200", "-r", "50",
                                        "-nostdin", "-timeout", "60s", "127.0.0.1:\(server.port)"])
        #expect(calls.status == 0, "\(calls.output)")
        #expect(server.server.statistics().workers == 4)
        await server.close()
    }

    @Test("UDP requests of 3 kB, 20 kB and 60 kB (a large SDP) are read whole and answered 200, like a small one")
    func largeDatagrams() async throws {
        let server = try await TestServer { $0.workers = 2 }
        let client = try UDPClient(port: server.port)
        for size in [500, 3_000, 20_000, 60_000] {
            let body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=x-pad:"
                + String(repeating: "p", count: size) + "\r\n"
            let request = "OPTIONS sip:127.0.0.1:\(server.port) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-big\(size);rport\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=b\r\nTo: <sip:127.0.0.1:\(server.port)>\r\nCall-ID: big\(size)@127.0.0.1\r\n"
                + "CSeq: 1 OPTIONS\r\nContent-Type: application/sdp\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            // Only answers to this request count (a late answer to the previous size may arrive
            // now), and every one must be 200: a resent request is answered again.
            var answers: [String] = []
            for _ in 0..<100 where answers.isEmpty {
                client.send(Array(request.utf8))
                try await Task.sleep(for: .milliseconds(20))
                answers = client.drain().filter { $0.contains("Call-ID: big\(size)@127.0.0.1\r\n") }
            }
            #expect(!answers.isEmpty && answers.allSatisfy { $0.hasPrefix("SIP/2.0 200") },
                    "\(request.utf8.count)-byte OPTIONS: \(answers.map { $0.prefix(40) })")
        }
        await server.close()
    }

    @Test("every worker binds the UDP address (a name such as localhost too); an address another socket holds is refused, naming it")
    func binding() async throws {
        var options = SIPServer.Options()
        options.workers = 2
        let named = try await SIPServer.start(options, transport: TransportOptions(listeners: [.init(kind: .udp, host: "localhost", port: 0)]))
        #expect(named.listening.count == 1 && named.listening[0].port > 0)
        await named.close()

        // A socket without SO_REUSEPORT holds a port: the workers' sockets cannot join it.
        let (held, port) = try boundLoopbackSocket(SOCK_DGRAM)
        defer { close(held) }
        do {
            let server = try await SIPServer.start(SIPServer.Options(), transport: TransportOptions(listeners: [.init(kind: .udp, host: "127.0.0.1", port: port)]))
            await server.close()
            Issue.record("the server listened on a port another socket holds")
        } catch {
            #expect("\(error)" == "cannot listen: 127.0.0.1:\(port): Address already in use", "\(error)")
        }
    }

    @Test("a server on [::1] registers over IPv6: its answer leaves from its own IPv6 socket")
    func ipv6() async throws {
        var options = SIPServer.Options()
        options.workers = 2
        let server = try await SIPServer.start(options, transport: TransportOptions(listeners: [.init(kind: .udp, host: "::1", port: 0)]))
        let client = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(client) }
        var local = sockaddr_in6()
        local.sin6_family = sa_family_t(AF_INET6)
        local.sin6_addr = in6addr_loopback
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let bound = withUnsafeMutablePointer(to: &local) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(client, $0, length) == 0 && getsockname(client, $0, &length) == 0 }
        }
        try #require(bound)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let clientPort = Int(UInt16(bigEndian: local.sin6_port))
        let register = "REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:\(clientPort);branch=z9hG4bK-v6\r\nMax-Forwards: 70\r\n"
            + "From: <sip:alice@localhost>;tag=a\r\nTo: <sip:alice@localhost>\r\nCall-ID: v6@[::1]\r\nCSeq: 1 REGISTER\r\n"
            + "Contact: <sip:alice@[::1]:\(clientPort)>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n"
        var target = sockaddr_in6()
        target.sin6_family = sa_family_t(AF_INET6)
        target.sin6_addr = in6addr_loopback
        target.sin6_port = in_port_t(UInt16(server.listening[0].port).bigEndian)
        let sent = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Array(register.utf8).withUnsafeBytes { sendto(client, $0.baseAddress, $0.count, 0, address, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        #expect(sent == register.utf8.count)
        var reply = [UInt8](repeating: 0, count: 4_096)
        var from = sockaddr_in6()
        var fromLength = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let received = withUnsafeMutablePointer(to: &from) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                reply.withUnsafeMutableBytes { recvfrom(client, $0.baseAddress, $0.count, 0, address, &fromLength) }
            }
        }
        let text = received > 0 ? String(decoding: reply.prefix(received), as: UTF8.self) : ""
        #expect(text.hasPrefix("SIP/2.0 200"), "answer: \(text.prefix(200))")
        #expect(Int(UInt16(bigEndian: from.sin6_port)) == server.listening[0].port, "the answer comes from the listening port")
        await server.close()
    }

    @Test("calls and messages over TCP through a server with 3 workers")
    func tcp() async throws {
        let server = try await SIPServer.start({ var options = SIPServer.Options(); options.workers = 3; return options }(),
                                               transport: TransportOptions(listeners: [.init(kind: .udp, host: "127.0.0.1", port: 0),
                                                                                       .init(kind: .tcp, host: "127.0.0.1", port: 0)]))
        let tcpPort = server.listening[1].port
        #expect(server.listening[1].kind == .tcp)
        let alice = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = "localhost"
            $0.transports = [.tcp]
            $0.proxy = "127.0.0.1:\(tcpPort);transport=tcp"
        }
        await alice.caller.start()
        try await alice.expect("registered over TCP", isRegistered)
        for number in 0..<5 {
            let bob = try await TestCaller {
                $0.transports = [.tcp]
                $0.to = try? NameAddress.parse("sip:alice@localhost")
                $0.proxy = "127.0.0.1:\(tcpPort);transport=tcp"
                $0.send = "over tcp \(number)"
            }
            bob.caller.inputEnded()
            await bob.caller.start()
            #expect(await bob.finished() == 0, "\(bob.events)")
            try await alice.expect("message \(number)") { if case .messageReceived(_, "over tcp \(number)") = $0 { true } else { false } }
            await bob.close()
        }
        await alice.close()
        await server.close()
    }
}
