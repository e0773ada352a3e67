import Foundation
import CallwireMetrics
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

/// A blocking HTTP/1.0 GET on 127.0.0.1.
func httpGet(port: Int, path: String) throws -> (status: Int, body: String) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw MetricsTestFailure("no socket") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { throw MetricsTestFailure("cannot connect to 127.0.0.1:\(port)") }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count <= 0 { break }
        response += buffer[0..<count]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let statusText = text.split(separator: " ").dropFirst().first, let status = Int(statusText),
          let split = text.range(of: "\r\n\r\n") else { throw MetricsTestFailure("not an HTTP response: \(text.prefix(200))") }
    return (status, String(text[split.upperBound...]))
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
