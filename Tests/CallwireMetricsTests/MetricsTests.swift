import Foundation
import CallwireMetrics
import TestSupport
import Testing

/// The Prometheus text exposition and its HTTP listener.
@Suite("Prometheus metrics", .serialized, .timeLimit(.minutes(1)))
struct MetricsTests {
    @Test("HELP and TYPE lines, labels, escaping of help and label values, integral values without a fraction")
    func encoding() {
        let text = PrometheusText.encode([
            .single("calls_total", .counter, "Calls made.\nSecond line \\ back", 3),
            MetricFamily(name: "rtt_seconds", help: "RTT", kind: .gauge,
                         samples: [.init(labels: [.init("peer", "a\"b\\c\nd")], value: 0.25), .init(labels: [.init("peer", "x")], value: .infinity)]),
        ])
        #expect(text == """
            # HELP calls_total Calls made.\\nSecond line \\\\ back
            # TYPE calls_total counter
            calls_total 3
            # HELP rtt_seconds RTT
            # TYPE rtt_seconds gauge
            rtt_seconds{peer="a\\"b\\\\c\\nd"} 0.25
            rtt_seconds{peer="x"} +Inf

            """)
    }

    @Test("invalid metric names, label names and duplicates are named")
    func validation() {
        #expect(PrometheusText.validate([.single("ok_total", .counter, "", 1)]) == nil)
        #expect(PrometheusText.validate([.single("1bad", .gauge, "", 1)])?.contains("1bad") == true)
        #expect(PrometheusText.validate([.single("a", .gauge, "", 1), .single("a", .gauge, "", 2)])?.contains("twice") == true)
        let badLabel = MetricFamily(name: "m", help: "", kind: .gauge, samples: [.init(labels: [.init("__x", "v")], value: 1)])
        #expect(PrometheusText.validate([badLabel])?.contains("__x") == true)
        #expect(MetricsServer.parseAddress("127.0.0.1:9100")?.port == 9100)
        #expect(MetricsServer.parseAddress("[::1]:9100")?.host == "::1")
        #expect(MetricsServer.parseAddress("nohost") == nil)
    }

    @Test("GET /metrics serves the registry's current values; promtool check metrics accepts them; other paths get 404")
    func serving() async throws {
        let registry = MetricsRegistry()
        let count = CountBox()
        registry.register { [.single("scrapes_total", .counter, "Scrapes served.", Double(count.next()))] }
        let server = try await MetricsServer.start(host: "127.0.0.1", port: 0, registry: registry)
        let first = try httpGet(port: server.port, path: "/metrics")
        #expect(first.status == 200)
        #expect(first.body.contains("scrapes_total 1"))
        let second = try httpGet(port: server.port, path: "/metrics")
        #expect(second.body.contains("scrapes_total 2"), "values are read at scrape time")
        #expect(try httpGet(port: server.port, path: "/other").status == 404)
        let check = try promtool(first.body)
        #expect(check.status == 0, "promtool check metrics: \(check.output)")
        await server.close()
    }
}

final class CountBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}


/// `promtool check metrics` (Debian `prometheus`) on `text`.
func promtool(_ text: String) throws -> (status: Int32, output: String) {
    guard let path = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
        throw MetricsTestFailure("promtool is not installed; run `make deps` (Debian package prometheus)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["check", "metrics"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

struct MetricsTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
