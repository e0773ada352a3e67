import Foundation
import TestSupport
import Registrar
import SIPCore
import Testing

/// Hard to scan and hard to guess: sipvicious's `svwar` (Debian `sipvicious`) finds no
/// extension on a server with `--users`; a password-guessing run is throttled, and every failure
/// is a log line that the shipped fail2ban filter matches (`fail2ban-regex`, Debian `fail2ban`).
@Suite("Scanning and guessing", .serialized, .timeLimit(.minutes(5)))
struct ScanAndGuessTests {
    /// Runs svwar against 127.0.0.1:`port` for extensions 95–105; the extensions it lists.
    func svwar(method: String, port: Int) async throws -> (found: Set<String>, output: String) {
        let scan = try PeerProcess(try tool("svwar", package: "sipvicious"),
                                    ["--force", "-m", method, "-e", "95-105", "-P", String(try freeUDPPort()), "-p", String(port), "127.0.0.1"])
        let status = await scan.finish(timeout: .seconds(90))
        let output = scan.text
        #expect(status == 0, "svwar -m \(method) exited with \(status):\n\(output.suffix(2_000))")
        // Its table: `| 100       | noauth         |`.
        let found = output.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.count >= 2 && Int(cells[0]) != nil ? cells[0] : nil
        }
        return (Set(found), output)
    }

    @Test("svwar --force with REGISTER, INVITE and OPTIONS finds no extension with --users; without, it lists the registered ones")
    func enumeration() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("svwar-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let users = directory.appendingPathComponent("users.txt")
        try "100 secret-100\n101 secret-101\n".write(to: users, atomically: true, encoding: .utf8)
        let (guarded, guardedPort) = try await startServer(["--users", users.path])
        for method in ["REGISTER", "INVITE", "OPTIONS"] {
            let (found, output) = try await svwar(method: method, port: guardedPort)
            #expect(found.isEmpty, "with --users, svwar -m \(method) found \(found):\n\(output.suffix(1_500))")
            #expect(output.contains("found nothing"), "\(output.suffix(1_500))")
        }
        await guarded.interrupt()

        let (open, openPort) = try await startServer([])
        var phones: [TestCaller] = []
        for user in ["100", "101"] {
            let phone = try await TestCaller {
                $0.listen = true
                $0.register = true
                $0.user = user
                $0.domain = "localhost"
                $0.proxy = "127.0.0.1:\(openPort)"
                $0.autoRespond = 486
            }
            await phone.caller.start()
            try await phone.expect("\(user) registered", isRegistered)
            phones.append(phone)
        }
        for method in ["INVITE", "OPTIONS"] {
            let (found, output) = try await svwar(method: method, port: openPort)
            #expect(found == ["100", "101"], "without --users, svwar -m \(method) lists the registered extensions:\n\(output.suffix(1_500))")
        }
        for phone in phones { await phone.close() }
        await open.interrupt()
    }

    @Test("with --users, a known and an unknown user get the same answer to REGISTER, INVITE, OPTIONS and MESSAGE")
    func sameAnswer() async throws {
        let server = try await TestServer { $0.users = try? UserDirectory(text: "alice wonderland\n") }
        let socket = try UDPClient(port: server.port)
        for method in ["REGISTER", "INVITE", "OPTIONS", "MESSAGE"] {
            var shapes: [String] = []
            for user in ["alice", "mallory"] {
                let request = """
                    \(method) sip:\(user)@localhost SIP/2.0\r
                    Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-\(method)-\(user)\r
                    Max-Forwards: 70\r
                    From: <sip:\(user)@localhost>;tag=t-\(user)\r
                    To: <sip:\(user)@localhost>\r
                    Call-ID: \(method)-\(user)@127.0.0.1\r
                    CSeq: 1 \(method)\r
                    Contact: <sip:\(user)@127.0.0.1:9>\r
                    Content-Length: 0\r
                    \r

                    """
                var answers: [String] = []
                for _ in 0..<50 where answers.isEmpty {
                    socket.send(Array(request.utf8))
                    try await Task.sleep(for: .milliseconds(20))
                    answers = socket.drain()
                }
                let answer = try #require(answers.first, "no answer to \(method) for \(user)")
                // The status line and the header names in order, without values that differ by
                // construction (tags, nonces, Call-ID, branch).
                let lines = answer.split(separator: "\r\n")
                shapes.append(([String(lines[0])] + lines.dropFirst().map { String($0.split(separator: ":").first ?? "") }).joined(separator: "|"))
            }
            #expect(shapes[0] == shapes[1], "\(method): known \(shapes[0]) vs unknown \(shapes[1])")
            #expect(shapes[0].hasPrefix(method == "REGISTER" ? "SIP/2.0 401" : "SIP/2.0 407"), "\(shapes[0])")
        }
        await server.close()
    }

    @Test("1,000 wrong passwords for one user from one source: 10 are checked, the rest refused; fail2ban-regex matches every attempt")
    func guessing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guess-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let users = directory.appendingPathComponent("users.txt")
        try "alice wonderland\n".write(to: users, atomically: true, encoding: .utf8)
        let (server, port) = try await startServer(["--users", users.path, "--algorithms", "md5", "--auth-fail-limit", "10", "--auth-ban", "300"])
        let guesses = directory.appendingPathComponent("guesses.csv")
        try ("SEQUENTIAL\n" + (0..<1_000).map { "alice;[authentication username=alice password=guess\($0)]\n" }.joined())
            .write(to: guesses, atomically: true, encoding: .utf8)
        let result = try await Sipp.run(["-sf", Sipp.scenarios.appendingPathComponent("register-guess.xml").path, "-inf", guesses.path,
                                         "-i", "127.0.0.1", "-p", String(try freeUDPPort()), "-r", "200", "-m", "1000", "-nostdin",
                                         "-timeout", "120s", "127.0.0.1:\(port)"], in: directory)
        #expect(result.status == 0, "every guess answered 403:\n\(result.output)")
        try await server.waitFor("authentication refused", timeout: .seconds(5))
        await server.interrupt()
        let log = server.text
        let failed = log.components(separatedBy: "authentication failed from 127.0.0.1:").count - 1
        let refused = log.components(separatedBy: "authentication refused from 127.0.0.1:").count - 1
        #expect(failed == 10, "checked before the ban: \(failed)")
        #expect(refused == 990, "refused unchecked after the ban: \(refused)")
        #expect(log.contains("banned source 127.0.0.1 for 300 s after repeated authentication failures"))
        #expect(log.contains("banned user 'alice' for 300 s after repeated authentication failures"))

        let logFile = directory.appendingPathComponent("server.log")
        try log.write(to: logFile, atomically: true, encoding: .utf8)
        let filter = repositoryRoot.appendingPathComponent("contrib/fail2ban/filter.d/callwire.conf").path
        let regex = try PeerProcess(try tool("fail2ban-regex", package: "fail2ban"), [logFile.path, filter])
        #expect(await regex.finish(timeout: .seconds(120)) == 0, "\(regex.text.suffix(2_000))")
        #expect(regex.text.contains("Failregex: 1000 total"), "fail2ban-regex:\n\(regex.text.suffix(2_000))")
    }
}
