import MediaCore

/// What `callwire bench` measured: each node's cost per frame over several runs.
struct BenchResult {
    /// One node's cost per frame across runs, in microseconds.
    struct Row {
        var name: String
        var type: String
        var microseconds: Spread
    }

    /// Median, minimum and maximum of a set of measurements.
    struct Spread {
        var median: Double
        var min: Double
        var max: Double

        init(_ values: [Double]) {
            let sorted = values.sorted()
            median = sorted.isEmpty ? 0 : sorted.count % 2 == 1
                ? sorted[sorted.count / 2]
                : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            min = sorted.first ?? 0
            max = sorted.last ?? 0
        }
    }

    var pipeline: String
    var runs: Int
    var mediaSeconds: Double
    var frames: Int
    var period: Duration
    var nodes: [Row]
    /// The sum of the nodes' exclusive costs.
    var nodeTotal: Spread
    /// Wall time per frame of the whole run: the nodes plus the tick loop.
    var wall: Spread

    var periodMicroseconds: Double { period.secondsDouble * 1e6 }
    /// How many times faster than real time the graph runs (median).
    var realtimeFactor: Double { wall.median > 0 ? periodMicroseconds / wall.median : .infinity }
    /// How many copies of this graph one core could run in real time: for a call-shaped graph,
    /// calls per core.
    var callsPerCore: Int { wall.median > 0 ? Int(periodMicroseconds / wall.median) : 0 }

    /// The share of one core a cost per frame takes, in percent.
    func coreShare(_ microseconds: Double) -> Double { 100 * microseconds / periodMicroseconds }

    /// Builds the result from each run's node profiles, frame count and wall time.
    init(pipeline: String, period: Duration, runs: [(profile: [NodeProfile], frames: Int, wall: Duration)]) {
        self.pipeline = pipeline
        self.runs = runs.count
        self.period = period
        frames = runs.first?.frames ?? 0
        mediaSeconds = Double(frames) * period.secondsDouble
        let perRun = runs.map { run in
            run.profile.map { $0.exclusiveTime.secondsDouble * 1e6 / Double(max(run.frames, 1)) }
        }
        let template = runs.first?.profile ?? []
        nodes = template.indices.map { i in
            Row(name: template[i].name, type: template[i].type, microseconds: Spread(perRun.map { $0[i] }))
        }
        nodeTotal = Spread(perRun.map { $0.reduce(0, +) })
        wall = Spread(runs.map { $0.wall.secondsDouble * 1e6 / Double(max($0.frames, 1)) })
    }
}

extension BenchResult {
    /// The per-node table `callwire bench` prints.
    var table: [String] {
        let nameWidth = max(12, nodes.map(\.name.count).max() ?? 0)
        let typeWidth = max(12, nodes.map(\.type.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        func number(_ value: Double) -> String {
            let text = value >= 100 ? String(Int(value.rounded())) : String((value * 10).rounded() / 10)
            return String(repeating: " ", count: max(0, 8 - text.count)) + text
        }
        func share(_ value: Double) -> String {
            let text = (value * 100).rounded() / 100
            return String(repeating: " ", count: max(0, 8 - "\(text)".count)) + "\(text)%"
        }
        var lines = ["\(pipeline): \(Self.seconds(mediaSeconds)) of media × \(runs) run(s), "
                     + "\(Int(periodMicroseconds / 1000)) ms frames (\(frames) per run), virtual clock", ""]
        lines.append(pad("node", nameWidth) + "  " + pad("type", typeWidth) + "  µs/frame  median     min     max   one core")
        for row in nodes {
            lines.append(pad(row.name, nameWidth) + "  " + pad(row.type, typeWidth) + "          "
                         + number(row.microseconds.median) + number(row.microseconds.min) + number(row.microseconds.max)
                         + " " + share(coreShare(row.microseconds.median)))
        }
        lines.append(pad("all nodes", nameWidth + typeWidth + 2) + "          " + number(nodeTotal.median)
                     + number(nodeTotal.min) + number(nodeTotal.max) + " " + share(coreShare(nodeTotal.median)))
        lines.append(pad("whole graph (wall)", nameWidth + typeWidth + 2) + "          " + number(wall.median)
                     + number(wall.min) + number(wall.max) + " " + share(coreShare(wall.median)))
        lines.append("")
        let factor = realtimeFactor.isFinite ? String(Int(realtimeFactor.rounded())) : "∞"
        lines.append("real-time factor \(factor)×; one core runs ≈ \(callsPerCore) graphs like this at once "
                     + "(calls per core, for a call-shaped graph)")
        return lines
    }

    /// The same as JSON, for scripts and CI dashboards.
    var json: String {
        func number(_ value: Double) -> String {
            value.isFinite ? String((value * 1000).rounded() / 1000) : "null"
        }
        func spread(_ s: Spread) -> String {
            "{\"median\": \(number(s.median)), \"min\": \(number(s.min)), \"max\": \(number(s.max))}"
        }
        let rows = nodes.map { row in
            "    {\"name\": \(Self.quoted(row.name)), \"type\": \(Self.quoted(row.type)), "
                + "\"microsecondsPerFrame\": \(spread(row.microseconds)), "
                + "\"coreSharePercent\": \(number(coreShare(row.microseconds.median)))}"
        }
        return """
        {
          "pipeline": \(Self.quoted(pipeline)),
          "runs": \(runs),
          "mediaSeconds": \(number(mediaSeconds)),
          "frameMilliseconds": \(number(periodMicroseconds / 1000)),
          "framesPerRun": \(frames),
          "nodes": [
        \(rows.joined(separator: ",\n"))
          ],
          "allNodesMicrosecondsPerFrame": \(spread(nodeTotal)),
          "wallMicrosecondsPerFrame": \(spread(wall)),
          "realtimeFactor": \(number(realtimeFactor)),
          "callsPerCore": \(callsPerCore)
        }
        """
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\((value * 1000).rounded() / 1000) s"
    }
}
