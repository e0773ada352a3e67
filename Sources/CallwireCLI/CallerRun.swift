import CallwireMetrics
import Endpoint
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the caller for the root command: prints its events, feeds it stdin, turns ctrl-C into
/// a clean close, and returns its exit status.
struct CallerRun {
    let command: CallerCommand
    let environment: CLIEnvironment

    func run() async throws -> Int32 {
        var options: CallerOptions
        do {
            options = try CallerOptions(verbose: command.verbose, quiet: command.quiet, network: command.network,
                                        sip: command.sip, media: command.media)
            try options.apply(command.control)
        } catch {
            throw CommandFailure.error("\(error)", status: error.exitStatus)
        }
        if command.media.showPipeline {
            environment.out(options.pipeline ?? ShippedPipelines.text(for: options))
            return ExitStatus.success
        }
        var metricsAddress: (host: String, port: Int)?
        if let text = command.control.metrics {
            guard let parsed = MetricsServer.parseAddress(text) else {
                throw CommandFailure.error("--metrics must be HOST:PORT, got '\(text)'", status: ExitStatus.usage)
            }
            metricsAddress = parsed
        }
        let caller: Caller
        do {
            caller = try await Caller(options, registry: environment.registry)
        } catch {
            // Pipeline diagnostics are already `FILE:LINE:COL: error: …` lines.
            let text = "\(error)"
            throw text.contains(": error: ") ? CommandFailure(text.split(separator: "\n").map(String.init), status: error.exitStatus)
                                             : CommandFailure.error(text, status: error.exitStatus)
        }
        let ladderPath = command.control.ladder
        let metrics = metricsAddress.map { _ in CallerMetrics() }
        var metricsServer: MetricsServer?
        if let metrics, let address = metricsAddress {
            let registry = MetricsRegistry()
            registry.register { metrics.families }
            do {
                metricsServer = try await MetricsServer.start(host: address.host, port: address.port, registry: registry)
            } catch {
                await caller.close()
                throw CommandFailure.error("--metrics: cannot listen on \(address.host):\(address.port): \(error)", status: ExitStatus.networkError)
            }
        }
        let printer = Task { [environment, options] () -> [SIPMessageRecord] in
            let start = Date()
            var records: [SIPMessageRecord] = []
            for await event in caller.events {
                metrics?.observe(event)
                if ladderPath != nil, case .sipMessage(let record) = event { records.append(record) }
                Self.print(event, options: options, environment: environment, start: start)
            }
            return records
        }
        // ctrl-C closes the caller; the close it starts is owned here and awaited before exit.
        let interrupted = Mutex<Task<Void, Never>?>(nil)
        let trap = SignalTrap { interrupted.withLock { $0 = $0 ?? Task { await caller.close() } } }
        defer { trap.cancel() }
        StdinReader.start(caller)
        await caller.start()
        let status = await caller.wait()
        await caller.close()
        await interrupted.withLock({ $0 })?.value
        let records = await printer.value
        await metricsServer?.close()
        if let ladderPath {
            let diagram = LadderDiagram(records: records)
            do {
                try diagram.svg().write(toFile: ladderPath, atomically: true, encoding: .utf8)
                if options.events == .text && !options.quiet {
                    environment.out("\(Self.timestamp()) caller INFO - wrote the SIP ladder of \(diagram.calls.count) call(s) to \(ladderPath)")
                }
            } catch {
                environment.err("cannot write the ladder to \(ladderPath): \(error)")
                return status == 0 ? ExitStatus.mediaError : status
            }
        }
        return status
    }

    /// Prints an event as the seed would (a log line, or a bare print), or as JSON.
    static func print(_ event: CallerEvent, options: CallerOptions, environment: CLIEnvironment, start: Date) {
        let threshold: LogLevel = options.quiet ? .critical : (options.verbose ? .debug : .info)
        if options.events == .json {
            environment.out(event.json(time: Date().timeIntervalSince1970))
            if case .log(let level, let text) = event, level >= threshold, level >= .warning {
                environment.err("\(level): \(text)")
            }
            return
        }
        guard let line = event.logLine else { return }
        if line.print {
            environment.out(line.text)
        } else if line.level >= threshold {
            environment.out("\(Self.timestamp()) caller \(line.level) - \(line.text)")
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec / 1_000_000))
    }
}

/// Reads stdin a line at a time on its own thread (a terminal, a pipe or a file alike) and
/// hands each line to the caller; at end of input it says so once and stops — no spinning.
enum StdinReader {
    static func start(_ caller: Caller) {
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                caller.input(line)
            }
            caller.inputEnded()
        }
        thread.start()
    }
}
