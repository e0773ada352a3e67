import CallwireMetrics
import Endpoint
import Foundation
import MediaCore
import Synchronization

/// Runs `callwire load`: one endpoint places every call, at the rate and within the
/// concurrency asked; each call is followed to its end and judged; totals feed the status
/// line, the metrics and the summary.
struct LoadRun {
    let settings: LoadSettings
    let environment: CLIEnvironment

    func run() async throws -> Int32 {
        guard let pipelineText = settings.options.pipeline else { throw CommandFailure.error("no pipeline") }
        if settings.showPipeline {
            environment.out(pipelineText)
            return ExitStatus.success
        }
        let writer = try settings.report.map { path throws(CommandFailure) in try LoadReportWriter(path: path) }
        defer { writer?.close() }
        let caller: Caller
        do {
            caller = try await Caller(settings.options, registry: environment.registry)
        } catch {
            let text = "\(error)"
            throw text.contains(": error: ") ? CommandFailure(text.split(separator: "\n").map(String.init), status: error.exitStatus)
                                             : CommandFailure.error(text, status: error.exitStatus)
        }
        // The endpoint's events are drained (they would pile up otherwise); -v prints them.
        let drain = Task { [environment, verbose = settings.verbose] in
            for await event in caller.events where verbose {
                if let line = event.logLine { environment.err(line.text) }
            }
        }
        if settings.register {
            let outcome = await caller.endpoint.register(users: settings.users)
            environment.out("registered \(outcome.registered.count) of \(settings.users.count) user(s)")
            if !outcome.failed.isEmpty {
                let shown = outcome.failed.prefix(3).map { "\($0.user) (\($0.status) \($0.reason))" }.joined(separator: ", ")
                let more = outcome.failed.count > 3 ? " and \(outcome.failed.count - 3) more" : ""
                await caller.close()
                await drain.value
                let refused = outcome.failed.contains { [401, 403, 407].contains($0.status) }
                throw CommandFailure.error("--register: \(outcome.failed.count) user(s) not registered: \(shown)\(more)"
                                           + (refused ? " — check --authpass" : ""),
                                           status: refused ? ExitStatus.authenticationFailed : ExitStatus.networkError)
            }
        }
        let clock = ContinuousClock()
        let began = clock.now
        let tally = LoadTally(began: began)
        var server: MetricsServer?
        if let address = settings.metrics {
            let registry = MetricsRegistry()
            registry.register { LoadMetrics.families(tally.snapshot) }
            do {
                server = try await MetricsServer.start(host: address.host, port: address.port, registry: registry)
            } catch {
                await caller.close()
                await drain.value
                throw CommandFailure.error("--metrics: cannot listen on \(address.host):\(address.port): \(error)", status: ExitStatus.networkError)
            }
        }
        let progress = startProgress(tally: tally, began: began)
        // ctrl-C: no new calls; the calls up are hung up (their rows are still written).
        let stopping = Mutex(false)
        let interrupted = Mutex<Task<Void, Never>?>(nil)
        let trap = SignalTrap {
            stopping.withLock { $0 = true }
            interrupted.withLock { $0 = $0 ?? Task { await caller.endpoint.closeCalls() } }
        }
        defer { trap.cancel() }

        let slots = LoadSlots(settings.concurrent)
        await withDiscardingTaskGroup { group in
            for index in 0..<settings.calls {
                let due = began + .nanoseconds(Int64(Double(index) / settings.rate * 1e9))
                try? await Task.sleep(until: due, clock: clock)
                await slots.acquire()
                if stopping.withLock({ $0 }) {
                    await slots.release()
                    break
                }
                group.addTask {
                    let result = await placeCall(number: index + 1, endpoint: caller.endpoint, tally: tally,
                                                 offset: (clock.now - began).secondsDouble)
                    writer?.append(result)
                    tally.finished(result)
                    await slots.release()
                }
            }
        }
        progress.cancel()
        await progress.value
        let elapsed = (clock.now - began).secondsDouble
        let final = tally.snapshot
        if let statusLine = environment.statusLine {
            statusLine(LoadSummary.statusLine(final, elapsed: elapsed, planned: settings.calls))
            environment.out("")
        } else {
            environment.out(LoadSummary.statusLine(final, elapsed: elapsed, planned: settings.calls))
        }
        await interrupted.withLock({ $0 })?.value
        await caller.close()
        await drain.value
        LoadSummary.table(final, elapsed: elapsed).forEach(environment.out)
        if let path = settings.report { environment.out("report: \(path) (\(final.finished) row(s))") }
        var chartFailed = false
        if let path = settings.svg {
            let chart = LoadChart(seconds: final.seconds, title: "callwire load → \(settings.to.uri): \(final.started) calls, "
                                  + "\(final.passed) passed")
            do {
                try chart.svg.write(toFile: path, atomically: true, encoding: .utf8)
                environment.out("chart: \(path)")
            } catch {
                environment.err("error: --svg: cannot write \(path): \(error)")
                chartFailed = true
            }
        }
        if let server {
            if settings.metricsLinger > 0, !stopping.withLock({ $0 }) {
                environment.out("metrics: serving the final counts for \(String(format: "%g", settings.metricsLinger)) s more (ctrl-C ends it)")
                let until = clock.now + .nanoseconds(Int64(settings.metricsLinger * 1e9))
                while clock.now < until, !stopping.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(100)) }
            }
            await server.close()
        }
        if chartFailed { return ExitStatus.mediaError }
        let passed = settings.maxFailures.allows(final.failed, of: final.started) && final.started == settings.calls
        return passed ? ExitStatus.success : ExitStatus.callFailed
    }

    /// The status line's task: in place on a terminal (twice a second), else a plain line
    /// every `--progress-interval` seconds. The caller cancels and awaits it.
    private func startProgress(tally: LoadTally, began: ContinuousClock.Instant) -> Task<Void, Never> {
        let environment = environment, planned = settings.calls
        let interval = environment.statusLine == nil ? settings.progressInterval : 0.5
        return Task {
            let clock = ContinuousClock()
            var next = began
            while !Task.isCancelled {
                next = next + .nanoseconds(Int64(interval * 1e9))
                if next < clock.now { next = clock.now + .nanoseconds(Int64(interval * 1e9)) }   // a stall: no burst of lines
                do { try await Task.sleep(until: next, clock: clock) } catch { return }
                let line = LoadSummary.statusLine(tally.snapshot, elapsed: (clock.now - began).secondsDouble, planned: planned)
                if let statusLine = environment.statusLine { statusLine(line) } else { environment.out(line) }
            }
        }
    }

    /// Places one call, follows it to its end, and judges it.
    private func placeCall(number: Int, endpoint: Endpoint, tally: LoadTally, offset: Double) async -> LoadCallResult {
        var result = LoadCallResult(number: number, startOffset: offset)
        result.user = settings.users[(number - 1) % settings.users.count]
        tally.started()
        let call: Call
        do {
            call = settings.dialsAsUsers
                ? try await endpoint.dial(settings.to, uri: settings.uri, as: result.user)
                : try await endpoint.dial(settings.to, uri: settings.uri)
        } catch {
            result.reason = "\(error)"
            result.evaluate(settings)
            return result
        }
        result.callID = call.id
        var heard: [String] = []
        for await event in call.events {
            switch event {
            case .state(.active):
                if let setup = await call.timeline.setup { tally.answered(setupSeconds: setup.secondsDouble) }
            case .media(let codec, _, _, _, _):
                result.codec = codec
            case .dtmf(let digit, _):
                result.digits += digit
            case .recognized(let text, _, _):
                heard.append(text)
            case .tone(let frequency, _):
                result.tones.append(frequency)
            case .ended(let reason):
                result.reason = reason
            default:
                break
            }
        }
        await call.closed()
        let timeline = await call.timeline
        let statistics = await call.statistics
        result.heard = heard.joined(separator: " ")
        result.setupMilliseconds = timeline.setup.map { $0.secondsDouble * 1_000 }
        result.postDialDelayMilliseconds = timeline.postDialDelay.map { $0.secondsDouble * 1_000 }
        result.connectedSeconds = timeline.connected?.secondsDouble
        result.status = timeline.setup != nil ? 200 : (timeline.failureStatus ?? 0)
        if let reason = timeline.failureReason, timeline.setup == nil { result.reason = "\(result.status) \(reason)" }
        result.received = statistics.received
        result.lost = statistics.lost
        result.jitterMilliseconds = statistics.jitterMilliseconds
        result.roundTripMilliseconds = statistics.roundTrip.map { $0 * 1_000 }
        result.lateFrames = statistics.lateFrames
        result.evaluate(settings)
        return result
    }
}

/// At most N calls up at once: the dialing loop waits here for a free slot.
actor LoadSlots {
    private var free: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    /// Takes a slot, waiting for one if none is free.
    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Gives a slot back (to the waiter, if there is one).
    func release() {
        if waiters.isEmpty { free += 1 } else { waiters.removeFirst().resume() }
    }
}
