import CallwireBuiltins
import CallwireCLI
import Endpoint
import Foundation
import MediaCore
import MediaTesting
import SIPCore
import Synchronization
import Testing

/// A caller started in-process on 127.0.0.1 with an ephemeral port, and everything it reported.
final class TestCaller: @unchecked Sendable {
    let caller: Caller
    private let log = Mutex<[CallerEvent]>([])
    private var reader: Task<Void, Never>?

    init(_ configure: (inout CallerOptions) -> Void) async throws {
        var options = CallerOptions()
        options.intIP = "127.0.0.1"
        options.port = 0
        options.domain = "127.0.0.1"
        options.audio = false
        options.autoRespondAfter = 0.2
        configure(&options)
        caller = try await Caller(options, registry: BuiltinPlugins.registry())
        reader = Task { [caller, self] in
            for await event in caller.events { log.withLock { $0.append(event) } }
        }
        // A caller that only waits starts at once; one that calls is started by its test.
        if options.to == nil { await caller.start() }
    }

    /// `sip:user@127.0.0.1:port` of this caller.
    func address(_ user: String) -> String { "sip:\(user)@\(caller.listeningAddress())" }

    var events: [CallerEvent] { log.withLock { $0 } }

    /// Waits until an event matches (or fails after `timeout`).
    @discardableResult
    func expect(_ what: String, timeout: Duration = .seconds(10),
                _ match: @escaping @Sendable (CallerEvent) -> Bool) async throws -> CallerEvent {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let hit = events.first(where: match) { return hit }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what); events: \(events)")
        throw TestFailure("timed out waiting for \(what)")
    }

    func close() async {
        await caller.close()
        await reader?.value
    }

    /// Waits for the job's exit status, then closes, so every event is in ``events``.
    func finished() async -> Int32 {
        let status = await caller.wait()
        await close()
        return status
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes `pipeline` (ending in a wav-recorder) through the CLI, in-process.
func render(_ pipeline: String) async throws {
    let environment = CLIEnvironment(registry: BuiltinPlugins.registry(), out: { _ in }, err: { _ in })
    let status = await CallwireCLI.run(arguments: ["pipeline", "run", pipeline], environment: environment)
    guard status == 0 else { throw TestFailure("pipeline run failed (\(status)): \(pipeline)") }
}

/// The channels of a stereo (or mono) WAV file, read back with libsndfile.
func readChannels(_ path: String) throws -> (rate: Int, channels: [[Int16]]) {
    let harness = try NodeHarness(pipeline: "wav-player path=\"\(path)\"", registry: BuiltinPlugins.registry())
    harness.clock.advance(by: .seconds(60))
    let samples = harness.outputSamples()
    let format = harness.negotiatedOutput
    try harness.finish()
    let count = format?.channels ?? 1
    var channels = [[Int16]](repeating: [], count: count)
    for (index, sample) in samples.enumerated() { channels[index % count].append(sample) }
    return (format?.clockRate ?? 0, channels)
}

func temporaryDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
