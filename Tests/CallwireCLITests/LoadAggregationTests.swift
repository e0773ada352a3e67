import Foundation
import TestSupport
import Testing

/// `callwire load` beside other real software: two load processes scraped by a real Prometheus
/// (Debian `prometheus`, started on loopback with a configuration the test writes), which is
/// what a fleet of load machines looks like; and SIPp as the far end.
@Suite("callwire load with Prometheus and SIPp (processes)", .serialized)
struct LoadAggregationTests {
    @Test("Prometheus scrapes two load processes; sum(callwire_load_calls_total) equals the rows of both reports, by outcome too")
    func twoProcessesSummed() async throws {
        let prometheus = try tool("prometheus", package: "prometheus")
        let (ivr, port) = try LoadProcessTests.startIVR(maxCalls: 10)
        defer { if ivr.isRunning { ivr.terminate() } }
        let directory = try temporaryDirectory("load-prometheus")
        let metricsPorts = [FreePort.next([.tcp]), FreePort.next([.tcp])]
        let prometheusPort = FreePort.next([.tcp])
        let configuration = directory.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
              scrape_timeout: 900ms
            scrape_configs:
              - job_name: callwire-load
                static_configs:
                  - targets: ['127.0.0.1:\(metricsPorts[0])', '127.0.0.1:\(metricsPorts[1])']
            """.write(to: configuration, atomically: true, encoding: .utf8)
        let server = try PeerProcess(prometheus, [
            "--config.file=\(configuration.path)", "--web.listen-address=127.0.0.1:\(prometheusPort)",
            "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)", "--log.level=warn"])
        defer { server.killGroup() }
        try await Readiness.wait(for: "Prometheus ready", timeout: .seconds(60)) {
            (try? httpGet(port: prometheusPort, path: "/-/ready"))?.status == 200
        }

        // Three calls from one machine, five from the other; one of the five expects keys the
        // IVR never sends, so the outcomes differ between the two.
        let plans = [(calls: 3, dtmf: "42"), (calls: 5, dtmf: "9")]
        let reports = (0..<2).map { directory.appendingPathComponent("calls\($0).csv") }
        var loads: [PeerProcess] = []
        for (index, plan) in plans.enumerated() {
            loads.append(try PeerProcess(try callwireExecutable().path, [
                "load", "--to", "sip:ivr@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--rate", "5", "--calls", String(plan.calls),
                "--concurrent", "5", "--duration", "2s", "--expect-dtmf", plan.dtmf, "--report", reports[index].path,
                "--metrics", "127.0.0.1:\(metricsPorts[index])", "--metrics-linger", "120", "--progress-interval", "60", "--max-failures", "100%"]))
        }
        defer { for load in loads { load.killGroup() } }
        for load in loads { try await load.waitFor("metrics: serving the final counts", timeout: .seconds(90)) }

        // Both are done and still serving: Prometheus adds up what it scraped.
        try await Readiness.wait(for: "Prometheus to sum both processes' finished calls", timeout: .seconds(30)) {
            (try? Self.query("sum(callwire_load_calls_total)", port: prometheusPort)) == 8
        }
        let summed = try Self.query("sum(callwire_load_calls_total)", port: prometheusPort)
        let passed = try Self.query("sum(callwire_load_calls_total{outcome=\"passed\"})", port: prometheusPort)
        let targets = try Self.query("count(up{job=\"callwire-load\"} == 1)", port: prometheusPort)
        for load in loads { #expect(await load.interrupt() == 0, "\(load.text.suffix(1_500))") }

        let rows = try reports.map { try String(contentsOf: $0, encoding: .utf8).split(separator: "\n").dropFirst() }
        #expect(rows.map(\.count) == [3, 5])
        #expect(summed == rows.map(\.count).reduce(0, +), "Prometheus's sum is the reports' row count")
        let header = try String(contentsOf: reports[0], encoding: .utf8).split(separator: "\n").first?.split(separator: ",") ?? []
        let outcomeColumn = try #require(header.firstIndex(of: "outcome"))
        let passedRows = rows.joined().filter { $0.split(separator: ",")[outcomeColumn] == "passed" }.count
        #expect(passedRows == 3, "the first process's calls pass, the second's expect keys never sent")
        #expect(passed == passedRows, "passed: Prometheus \(passed), reports \(passedRows)")
        #expect(targets == 2)
        await server.interrupt()
        ivr.interrupt()
        ivr.waitUntilExit()
    }

    @Test("SIPp's uas echoing RTP is the far end: load calls complete with their quality reported, and the echoed prompt is recognized")
    func sippFarEnd() async throws {
        let sipp = try tool("sipp", package: "sip-tester")
        let port = FreePort.next([.udp]), mediaPort = FreePort.next([.udp])
        let far = try PeerProcess(sipp, ["-sn", "uas", "-i", "127.0.0.1", "-p", String(port), "-mi", "127.0.0.1",
                                         "-mp", String(mediaPort), "-rtp_echo", "-nostdin"])
        defer { far.killGroup() }
        try Readiness.waitUntilListeningSync(port: port)
        let directory = try temporaryDirectory("load-sipp")
        let report = directory.appendingPathComponent("calls.jsonl")
        let run = try runProcess(try callwireExecutable().path, [
            "load", "--to", "sip:service@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--rate", "5", "--calls", "4",
            "--concurrent", "4", "--duration", "3s", "--min-mos", "4", "--report", report.path])
        #expect(run.status == 0, "\(run.out.suffix(3000)) \(run.err.suffix(2000))")
        let rows = try reportRows(report)
        #expect(rows.count == 4)
        for object in rows {
            let row = object.description
            #expect(object["outcome"] as? String == "passed", "\(row)")
            #expect(object["codec"] as? String == "PCMU/8000")
            #expect((object["packets_received"] as? Int ?? 0) > 100, "its own media comes back: \(row)")
            #expect(object["packets_lost"] as? Int == 0, "\(row)")
            #expect((object["mos"] as? Double ?? 0) > 4, "\(row)")
            #expect((object["setup_ms"] as? Double ?? 0) > 0, "\(row)")
        }
        // SIPp echoes what it hears: the default prompt comes back and is recognized.
        let speech = directory.appendingPathComponent("speech.jsonl")
        let heard = try runProcess(try callwireExecutable().path, [
            "load", "--to", "sip:service@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--calls", "1", "--duration", "5s",
            "--expect-text", "this is a test call please hold the line", "--report", speech.path])
        #expect(heard.status == 0, "\(heard.out.suffix(2000)) \(heard.err.suffix(1000))")
        let row = try String(contentsOf: speech, encoding: .utf8)
        #expect(row.contains("\"outcome\":\"passed\""), "\(row)")
        _ = await far.interrupt()
    }

    @Test("--register --user-range through callwire server: each user registers and calls as itself (digest per user), the bindings are removed at the end")
    func userRangeThroughServer() async throws {
        let directory = try temporaryDirectory("load-users")
        let users = directory.appendingPathComponent("users.txt")
        try (["1000", "1001", "1002", "ivr"].map { "\($0) secret" }.joined(separator: "\n") + "\n")
            .write(to: users, atomically: true, encoding: .utf8)
        let serverPort = FreePort.next([.udp]), metricsPort = FreePort.next([.tcp]), ivrPort = FreePort.next([.udp, .tcp])
        let callwire = try callwireExecutable().path
        let server = try PeerProcess(callwire, ["server", "-l", "127.0.0.1:\(serverPort)", "-t", "udp", "-r", "localhost",
                                                "--users", users.path, "--metrics", "127.0.0.1:\(metricsPort)"])
        defer { server.killGroup() }
        try Readiness.waitUntilListeningSync(port: metricsPort, tcp: true)
        let ivr = try PeerProcess(callwire, [
            "--listen", "--register", "--user", "ivr", "--authuser", "ivr", "--authpass", "secret", "--domain", "localhost",
            "--proxy", "127.0.0.1:\(serverPort)", "--int-ip", "127.0.0.1", "--port", String(ivrPort), "--max-calls", "10",
            "--auto-respond-after", "0", "--pipeline",
            "sine freq=1000 level=-12dB ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink"])
        defer { ivr.killGroup() }
        try await ivr.waitFor("registered with SIP server")
        #expect(Self.bindings(port: metricsPort) == 1)

        let report = directory.appendingPathComponent("calls.csv")
        let load = try PeerProcess(callwire, [
            "load", "--to", "sip:ivr@localhost", "--domain", "localhost", "--proxy", "127.0.0.1:\(serverPort)", "--int-ip", "127.0.0.1",
            "--user-range", "1000-1002", "--register", "--authpass", "secret", "--calls", "6", "--rate", "3", "--concurrent", "6",
            "--duration", "3s", "--expect-tone", "1000", "--report", report.path, "--progress-interval", "60"])
        defer { load.killGroup() }
        try await load.waitFor("registered 3 of 3 user(s)", timeout: .seconds(30))
        #expect(Self.bindings(port: metricsPort) == 4, "the IVR and the three load users")
        #expect(await load.finish(timeout: .seconds(60)) == 0, "\(load.text.suffix(2_000))")
        #expect(Self.bindings(port: metricsPort) == 1, "the load users' bindings are removed at the end")
        let lines = try String(contentsOf: report, encoding: .utf8).split(separator: "\n")
        let header = lines.first?.split(separator: ",").map(String.init) ?? []
        let userColumn = try #require(header.firstIndex(of: "user")), outcomeColumn = try #require(header.firstIndex(of: "outcome"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 6)
        #expect(rows.allSatisfy { $0[outcomeColumn] == "passed" }, "\(lines)")
        #expect(Dictionary(grouping: rows.map { $0[userColumn] }, by: { $0 }).mapValues(\.count) == ["1000": 2, "1001": 2, "1002": 2])

        // A wrong password: no user registers, and the exit status says authentication failed.
        let refused = try runProcess(callwire, [
            "load", "--to", "sip:ivr@localhost", "--domain", "localhost", "--proxy", "127.0.0.1:\(serverPort)", "--int-ip", "127.0.0.1",
            "--user-range", "1000-1001", "--register", "--authpass", "wrong", "--calls", "1"])
        #expect(refused.status == 4, "\(refused.out) \(refused.err)")
        #expect(refused.err.contains("2 user(s) not registered") && refused.err.contains("1000"), "\(refused.err)")
        _ = await ivr.interrupt()
        _ = await server.interrupt()
    }

    /// `callwire_server_bindings` from the server's metrics (nil when unreadable).
    static func bindings(port: Int) -> Int? {
        guard let answer = try? httpGet(port: port, path: "/metrics"), answer.status == 200 else { return nil }
        return answer.body.split(separator: "\n").first { $0.hasPrefix("callwire_server_bindings ") }
            .flatMap { Double($0.split(separator: " ")[1]) }.map { Int($0) }
    }

    /// An instant query's single value, as an integer.
    static func query(_ expression: String, port: Int) throws -> Int {
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
        let answer = try httpGet(port: port, path: "/api/v1/query?query=\(encoded)")
        guard answer.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
              let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
              let value = result.first?["value"] as? [Any], value.count == 2, let text = value[1] as? String,
              let number = Double(text) else {
            throw NotReady("no single value for \(expression): \(answer.body.prefix(500))")
        }
        return Int(number.rounded())
    }
}
