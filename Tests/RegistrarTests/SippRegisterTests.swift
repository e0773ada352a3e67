import Foundation
import Registrar
import TestSupport
import Testing

/// 10,000 REGISTERs from sipp (Debian `sip-tester`) at the server, with and without digest
/// authentication; sipp's exit status 0 means every one got its 200.
// Time limits and sipp's -timeout are far above the nominal 50 s per run, so a loaded 2-core
// machine (the server is a debug build sharing the cores with sipp) still finishes.
@Suite("sipp REGISTER load", .serialized, .timeLimit(.minutes(10)))
struct SippRegisterTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sipp")

    @Test("10,000 REGISTERs, 0 failures", arguments: [false, true])
    func registers(authenticated: Bool) async throws {
        let server = try await TestServer {
            if authenticated {
                $0.users = try? UserDirectory(text: "alice wonderland\n")
                $0.algorithms = [.md5]   // sipp answers only the first challenge, and only MD5
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-register-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let users = directory.appendingPathComponent("users.csv")
        try "SEQUENTIAL\nalice;[authentication username=alice password=wonderland]\n".write(to: users, atomically: true, encoding: .utf8)
        let scenario = Self.scenarios.appendingPathComponent(authenticated ? "register-auth.xml" : "register.xml").path
        let result = try await Sipp.run(["-sf", scenario, "-inf", users.path, "-i", "127.0.0.1", "-p", String(FreePort.next()),
                                         "-r", "200", "-m", "10000", "-nostdin", "-timeout", "400s", "127.0.0.1:\(server.port)"])
        #expect(result.status == 0, "sipp:\n\(result.output)")
        #expect(result.output.contains("10000"), "10,000 calls counted")
        await server.close()
    }
}
