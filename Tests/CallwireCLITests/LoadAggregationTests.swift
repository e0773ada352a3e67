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
        let passedRows = rows.joined().filter { $0.split(separator: ",")[3] == "passed" }.count
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
        let rows = try String(contentsOf: report, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 4)
        for row in rows {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
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
