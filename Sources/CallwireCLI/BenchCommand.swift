import ArgumentParser
import MediaCore
import PipelineLanguage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `callwire bench PIPELINE [--duration D] [--runs N] [--json] [--svg FILE]`
struct BenchCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure what each node of a pipeline costs per frame.",
        discussion: """
        Runs the pipeline on the virtual clock (as fast as the CPU allows) --runs times after one \
        warm-up run, timing each node's own work: its calls minus the downstream calls they made. \
        Prints µs per frame per node (median, min, max over the runs), the share of one core, the \
        whole graph's real-time factor, and how many such graphs one core could run at once — \
        calls per core, when the pipeline is shaped like a call. Work a node hands to another \
        thread (speech decoding) is not counted; time a node spends waiting for one is. Build \
        with -c release for figures worth comparing.

          callwire bench pipelines/bench/speex-nb.pipeline
          callwire bench pipelines/bench/pcmu.pipeline --runs 10 --json
          callwire bench pipelines/bench/speex-wb.pipeline --svg speex-wb.svg
        """)

    @Argument(help: "A pipeline file, or pipeline text in quotes.")
    var pipeline: String

    @Option(help: ArgumentHelp("Media time per run, for sources that do not end sooner.", valueName: "duration"),
            transform: { text in
                guard let duration = parseDuration(text), duration > .zero else {
                    throw ValidationError("'\(text)' is not a duration; write e.g. 10s, 500ms or 2min")
                }
                return duration
            })
    var duration: Duration = .seconds(10)

    @Option(help: "How many measured runs (after one warm-up run).")
    var runs = 5

    @Flag(help: "Print the results as JSON instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Also write a bar chart of per-node cost to this SVG file.", valueName: "file"))
    var svg: String?

    func validate() throws {
        guard (1...1_000).contains(runs) else { throw ValidationError("--runs must be between 1 and 1000, got \(runs)") }
    }

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        let source = try PipelineSource.resolve(pipeline)
        let compiler = PipelineCompiler(registry: environment.registry)
        // Fail on a bad pipeline before anything runs.
        do {
            _ = try compiler.build(source.text, file: source.name)
        } catch {
            throw CommandFailure(error.diagnostics.map(\.description))
        }
        var measured: [(profile: [NodeProfile], frames: Int, wall: Duration)] = []
        var period = Duration.milliseconds(20)
        for run in 0...runs {
            let graph: Graph
            do {
                graph = try compiler.build(source.text, file: source.name)
            } catch {
                throw CommandFailure(error.diagnostics.map(\.description))
            }
            period = graph.period
            graph.enableProfiling()
            let limit = run == 0 ? min(duration, .seconds(1)) : duration
            let report: GraphRunReport
            do {
                report = try await PipelineRunCommand.runOffMainThread(graph, realtime: false, limit: limit)
            } catch let error as GraphRunError {
                throw CommandFailure([error.description])
            }
            if run == 0 { continue }   // warm-up: caches, lazily loaded models, page faults
            let frames = Int((report.mediaDuration.secondsDouble / period.secondsDouble).rounded())
            measured.append((graph.profile, frames, report.wallTime))
        }
        let result = BenchResult(pipeline: source.name == "<pipeline>" ? source.text : source.name,
                                 period: period, runs: measured)
        if json {
            environment.out(result.json)
        } else {
            result.table.forEach(environment.out)
        }
        if let svg {
            try Self.write(BenchChart(result: result).svg, to: svg)
            if !json { environment.out("chart written to \(svg)") }
        }
        return ExitStatus.success
    }

    static func write(_ text: String, to path: String) throws(CommandFailure) {
        guard let file = fopen(path, "wb") else {
            throw .error("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, file)
        let closed = fclose(file)
        if written != bytes.count || closed != 0 {
            throw .error("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }
}
