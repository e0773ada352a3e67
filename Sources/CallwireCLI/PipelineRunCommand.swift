import ArgumentParser
import MediaCore
import PipelineLanguage

/// `callwire pipeline run FILE|TEXT [--realtime] [--duration D]`
struct PipelineRunCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline with no call: files in, files out.",
        discussion: """
        Runs on a virtual clock (as fast as the CPU allows) unless --realtime is given, and stops \
        when every source has ended, after --duration, or on ctrl-C (recordings are finalized). \
        Prints events the nodes post and a summary of what each sink received.

          callwire pipeline run 'sine freq=1000 rate=8000 duration=10s ! pcmu-encoder ! pcmu-decoder ! wav-recorder path=out.wav'
          callwire pipeline run pipelines/demo.pipeline
          callwire pipeline run --realtime --duration 5s 'sine ! level-meter interval=1s'
        """)

    @Argument(help: "A pipeline file, or pipeline text in quotes.")
    var pipeline: String

    @Flag(help: "Pace the graph in real time instead of running as fast as possible.")
    var realtime = false

    @Option(help: ArgumentHelp("Stop after this much media time (10, 10s, 500ms, 2min).", valueName: "duration"),
            transform: { text in
                guard let duration = parseDuration(text) else {
                    throw ValidationError("'\(text)' is not a duration; write e.g. 10s, 500ms or 2min")
                }
                return duration
            })
    var duration: Duration?

    @Option(help: ArgumentHelp("Frame duration of the graph's clock (10ms…100ms).", valueName: "ptime"),
            transform: { text in
                guard let value = parseDuration(text.hasSuffix("s") ? text : text + "ms"),
                      value >= .milliseconds(5), value <= .milliseconds(200) else {
                    throw ValidationError("'\(text)' is not a frame duration between 5ms and 200ms")
                }
                return value
            })
    var period: Duration = .milliseconds(20)

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        let source = try PipelineSource.resolve(pipeline)
        let graph: Graph
        do {
            graph = try PipelineCompiler(registry: environment.registry).build(source.text, file: source.name, period: period)
        } catch {
            throw CommandFailure(error.diagnostics.map(\.description))
        }
        if !realtime, duration == nil, !graph.endsByItself {
            throw CommandFailure.error("this pipeline runs forever (a source has no end): give --duration, "
                                       + "a duration= to the source, or --realtime and stop it with ctrl-C")
        }
        let quiet = self.quiet
        let out = environment.out
        graph.setMessageHandler { message in
            if !quiet { out("\(message.node): \(EventText.describe(message.event))") }
        }
        let trap = SignalTrap { graph.requestStop() }
        defer { trap.cancel() }
        let report: GraphRunReport
        do {
            report = try await Self.runOffMainThread(graph, realtime: realtime, limit: duration)
        } catch let error as GraphRunError {
            throw CommandFailure([error.description])
        }
        if !quiet {
            let speed = report.speedFactor.isFinite ? ", \(Self.format(report.speedFactor))× real time" : ""
            let stopped = report.stoppedEarly ? " (stopped)" : ""
            environment.out("ran \(MediaTime(sample: Int64(report.mediaDuration.samples(atRate: 1000)), clockRate: 1000)) of media "
                            + "in \(Self.format(report.wallTime.secondsDouble)) s\(speed)\(stopped)")
            for (node, summary) in report.summaries { environment.out("  \(node): \(summary)") }
        }
        return ExitStatus.success
    }

    /// Runs the graph on its own thread so signals and async callers stay responsive.
    static func runOffMainThread(_ graph: Graph, realtime: Bool, limit: Duration?) async throws -> GraphRunReport {
        try await withCheckedThrowingContinuation { continuation in
            GraphThread.start {
                do {
                    let report = realtime ? try graph.run(clock: RealtimeClock(), limit: limit)
                                          : try graph.run(clock: VirtualClock(), limit: limit)
                    continuation.resume(returning: report)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func format(_ value: Double) -> String {
        if value >= 100 { return String(Int(value.rounded())) }
        let rounded = (value * 1000).rounded() / 1000
        return String(rounded)
    }
}

/// Human-readable renderings of posted events.
enum EventText {
    static func describe(_ event: MediaEvent) -> String {
        switch event {
        case .endOfStream: "end of stream"
        case .flush: "flush"
        case .dtmf(let digit, let at, let duration):
            "DTMF \(digit)" + (at.map { " at \($0)" } ?? "") + (duration.map { " lasting \(Int($0.secondsDouble * 1000)) ms" } ?? "")
        case .text(let text): "text \"\(text)\""
        case .recognized(let text, let start, let end, let details): recognized(text, start, end, details)
        case .recognizing(let text, let start, let at): "recognizing \"\(text)\" (from \(start), heard to \(at))"
        case .level(let rms, let peak, let at): "level RMS \(round1(rms)) dBFS, peak \(round1(peak)) dBFS at \(at)"
        case .speech(let active, let at): "speech \(active ? "started" : "stopped") at \(at)"
        case .reconfigure(let fields): "reconfigure " + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        case .custom(let name, let fields): name + " " + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    /// `recognized "text" (start–end, posterior p)`, then the words with their times and
    /// confidences and any alternatives on indented lines.
    static func recognized(_ text: String, _ start: MediaTime, _ end: MediaTime, _ details: Recognition) -> String {
        let kind = details.isKeyphrase ? "key phrase" : "recognized"
        var lines = ["\(kind) \"\(text)\" (\(start)–\(end), posterior \((details.score * 1000).rounded() / 1000))"]
        if !details.words.isEmpty {
            lines.append("  words: " + details.words.map(\.description).joined(separator: " "))
        }
        for (rank, alternative) in details.alternatives.enumerated() {
            lines.append("  \(rank + 1). \(alternative)")
        }
        return lines.joined(separator: "\n")
    }

    static func round1(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)).0" : "\(rounded)"
    }
}
