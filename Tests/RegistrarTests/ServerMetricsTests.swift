import Foundation
import TestSupport
import Testing

/// `callwire server --metrics HOST:PORT`: Prometheus text that promtool (Debian `prometheus`)
/// accepts, with counters that follow the traffic.
@Suite("Server metrics", .serialized, .timeLimit(.minutes(2)))
struct ServerMetricsTests {
    @Test("the exposition passes promtool check metrics and counts requests, bindings and failed authentications")
    func exposition() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let users = directory.appendingPathComponent("users.txt")
        try "alice wonderland\n".write(to: users, atomically: true, encoding: .utf8)
        let (server, port) = try await startServer(["--metrics", "127.0.0.1:0", "--users", users.path, "--algorithms", "md5", "--workers", "2"])
        try await server.waitFor("/metrics")
        let line = try #require(server.text.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") })
        let metricsPort = try #require(Int(line.split(separator: ":").last?.split(separator: "/").first ?? ""))
        let register = directory.appendingPathComponent("register.csv")
        try "SEQUENTIAL\nalice;[authentication username=alice password=wonderland]\n".write(to: register, atomically: true, encoding: .utf8)
        let registered = try await Sipp.run(["-sf", Sipp.scenarios.appendingPathComponent("register-auth.xml").path, "-inf", register.path,
                                             "-i", "127.0.0.1", "-p", String(try freeUDPPort()), "-m", "5", "-nostdin", "-timeout", "30s",
                                             "127.0.0.1:\(port)"], in: directory)
        #expect(registered.status == 0, "\(registered.output)")
        let guesses = directory.appendingPathComponent("guesses.csv")
        try "SEQUENTIAL\nalice;[authentication username=alice password=nope]\n".write(to: guesses, atomically: true, encoding: .utf8)
        let guessed = try await Sipp.run(["-sf", Sipp.scenarios.appendingPathComponent("register-guess.xml").path, "-inf", guesses.path,
                                          "-i", "127.0.0.1", "-p", String(try freeUDPPort()), "-m", "3", "-nostdin", "-timeout", "30s",
                                          "127.0.0.1:\(port)"], in: directory)
        #expect(guessed.status == 0, "\(guessed.output)")
        // The workers publish their table sizes each time their timer wheel moves (at least every
        // 50 ms): scrape until the binding shows, for up to 5 s.
        var scrape = try httpGet(port: metricsPort, path: "/metrics")
        let deadline = ContinuousClock.now + .seconds(5)
        while !scrape.body.contains("callwire_server_bindings 1\n"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            scrape = try httpGet(port: metricsPort, path: "/metrics")
        }
        #expect(scrape.status == 200)
        for expected in ["callwire_server_requests_total 16", "callwire_server_auth_failures_total 3", "callwire_server_bindings 1",
                         "callwire_server_workers 2", "# TYPE callwire_server_transactions gauge"] {
            #expect(scrape.body.contains(expected + "\n"), "\(expected) in:\n\(scrape.body)")
        }
        let promtool = try PeerProcess(try tool("promtool", package: "prometheus"), ["check", "metrics"], input: scrape.body)
        #expect(await promtool.finish() == 0, "promtool check metrics: \(promtool.text)")
        await server.interrupt()
    }
}
