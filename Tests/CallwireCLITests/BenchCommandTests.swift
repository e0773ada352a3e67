import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("callwire bench")
struct BenchCommandTests {
    let speexNB = repositoryRoot.appendingPathComponent("pipelines/bench/speex-nb.pipeline").path

    @Test("prints a row per node, the totals, the real-time factor and calls per core")
    func table() async throws {
        let result = await callwire("bench", speexNB, "--runs", "2", "--duration", "1s")
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.stdout
        for node in ["sine", "resample#1", "speex-encoder", "speex-decoder", "resample#2", "null-sink"] {
            #expect(result.out.contains { $0.hasPrefix(node + " ") }, "no row for \(node):\n\(text)")
        }
        #expect(text.contains("50 per run"), "1 s of 20 ms frames")
        #expect(text.contains("all nodes") && text.contains("whole graph (wall)"))
        #expect(text.contains("real-time factor") && text.contains("calls per core"))
    }

    @Test("--json gives the same measurements in a form scripts can read")
    func json() async throws {
        let result = await callwire("bench", speexNB, "--runs", "3", "--duration", "1s", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let nodes = try #require(object?["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["type"] as? String } == ["sine", "resample", "speex-encoder", "speex-decoder", "resample", "null-sink"])
        #expect(object?["runs"] as? Int == 3)
        #expect(object?["framesPerRun"] as? Int == 50)
        var sum = 0.0
        for node in nodes {
            let spread = try #require(node["microsecondsPerFrame"] as? [String: Double])
            let (median, low, high) = (spread["median"] ?? -1, spread["min"] ?? -1, spread["max"] ?? -1)
            #expect(low >= 0 && low <= median && median <= high, "\(node)")
            sum += median
        }
        let wall = try #require((object?["wallMicrosecondsPerFrame"] as? [String: Double])?["median"])
        let calls = try #require(object?["callsPerCore"] as? Int)
        // Each node's exclusive time is part of the run's wall time.
        #expect(sum <= wall * 1.05, "nodes \(sum) µs within the graph's \(wall) µs")
        #expect(calls == Int(20_000 / wall))
    }

    @Test("--svg writes a chart with one bar per node")
    func svg() async throws {
        let file = try temporaryDirectory("bench").appendingPathComponent("chart.svg")
        let result = await callwire("bench", speexNB, "--runs", "1", "--duration", "500ms", "--svg", file.path)
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: file)
        let parser = XMLParser(data: data)
        let counter = ElementCounter()
        parser.delegate = counter
        #expect(parser.parse(), "well-formed SVG")
        #expect(counter.counts["svg"] == 1)
        #expect(counter.counts["rect"] == 1 + 6, "a background and one bar per node")
    }

    @Test("the Opus, G.722 and GSM call paths run and show their codec rows", arguments: [
        ("opus", ["opus-encoder", "opus-decoder"]), ("opus-16k", ["resample#1", "opus-encoder", "opus-decoder", "resample#2"]),
        ("g722", ["g722-encoder", "g722-decoder"]), ("gsm", ["gsm-encoder", "gsm-decoder"]),
    ])
    func codecPaths(name: String, rows: [String]) async throws {
        let path = repositoryRoot.appendingPathComponent("pipelines/bench/\(name).pipeline").path
        let result = await callwire("bench", path, "--runs", "1", "--duration", "500ms", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let nodes = try #require(object?["nodes"] as? [[String: Any]])
        for row in rows {
            let node = try #require(nodes.first { $0["name"] as? String == row }, "no row for \(row) in \(nodes)")
            let cost = try #require((node["microsecondsPerFrame"] as? [String: Double])?["median"])
            #expect(cost > 0, "\(row) did work")
        }
        #expect(object?["framesPerRun"] as? Int == 25)
    }

    @Test("bad arguments are usage errors that say what is wrong", arguments: [
        (["--runs", "0"], "--runs must be between 1 and 1000"),
        (["--duration", "soon"], "'soon' is not a duration"),
    ])
    func badArguments(extra: [String], message: String) async {
        let result = await callwire(["bench", speexNB] + extra)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("an unwritable --svg path fails with the path named")
    func unwritableChart() async {
        let result = await callwire("bench", speexNB, "--runs", "1", "--duration", "100ms", "--svg", "/nonexistent/dir/x.svg")
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/dir/x.svg"))
    }
}

/// Counts the elements of an XML document by name.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}
