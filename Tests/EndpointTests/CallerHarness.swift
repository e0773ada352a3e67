import CallwireBuiltins
import CallwireCLI
import Endpoint
import EndpointTesting
import Foundation
import MediaCore
import MediaTesting
import SIPCore
import Synchronization
import Testing

/// A caller on 127.0.0.1 with the built-in processors (see ``CallerProbe``).
typealias TestCaller = CallerProbe

extension CallerProbe {
    convenience init(_ configure: (inout CallerOptions) -> Void) async throws {
        try await self.init(registry: BuiltinPlugins.registry(), configure)
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
    harness.clock.advance(by: .seconds(3_600))
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
