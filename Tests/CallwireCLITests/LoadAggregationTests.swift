import Foundation
import TestSupport
import Testing

/// Two `callwire load` processes scraped by a real Prometheus (Debian `prometheus`, started on
/// loopback with a configuration the test writes): what a fleet of load machines looks like.
@Suite("callwire load metrics aggregated by Prometheus (processes)", .serialized)
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
