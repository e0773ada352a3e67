import CallwireBuiltins
import CallwireCLI
import Foundation
import MediaCore
import MediaTesting
import SoundFile
import Synchronization
import Testing

/// Output captured from an in-process CLI run.
struct CLIResult {
    var status: Int32
    var out: [String]
    var err: [String]
    var stdout: String { out.joined(separator: "\n") }
    var stderr: String { err.joined(separator: "\n") }
}

/// Runs `callwire ARGS…` in-process with the built-in plugins.
func callwire(_ arguments: String...) async -> CLIResult {
    await callwire(arguments)
}

func callwire(_ arguments: [String]) async -> CLIResult {
    let out = Mutex<[String]>([]), err = Mutex<[String]>([])
    let environment = CLIEnvironment(registry: BuiltinPlugins.registry(),
                                     out: { line in out.withLock { $0.append(line) } },
                                     err: { line in err.withLock { $0.append(line) } })
    let status = await CallwireCLI.run(arguments: arguments, environment: environment)
    return CLIResult(status: status, out: out.withLock { $0 }, err: err.withLock { $0 })
}

/// The built `callwire` executable (beside the test bundle in the build directory).
func callwireExecutable() throws -> URL {
    let bundle = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    let candidate = bundle.deletingLastPathComponent().appendingPathComponent("callwire")
    guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
        throw TestSetupError("callwire executable not found at \(candidate.path); build it first")
    }
    return candidate
}

/// A program on PATH, or a failure that says to run `make deps`.
func requireTool(_ name: String) throws -> String {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw TestSetupError("\(name) is not installed; run `make deps` (CI installs it)")
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program to completion, returning its status and output.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], input: Data? = nil,
                directory: URL? = nil) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(input) }
    try inPipe.fileHandleForWriting.close()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    let err = errPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// The rows of a `callwire load --report FILE.jsonl`, one object per call.
func reportRows(_ url: URL) throws -> [[String: Any]] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { row in
        guard let object = try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any] else {
            throw TestSetupError("not a JSON object: \(row)")
        }
        return object
    }
}

/// A fresh temporary directory.
func temporaryDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Reads a sound file back through libsndfile (the wav-player node).
func readSoundFile(_ path: String) throws -> (samples: [Int16], format: MediaFormat?) {
    let player = try WAVPlayer(parameters: NodeParameters(for: WAVPlayer.descriptor, ["path": .string(path)]))
    let h = try NodeHarness(player)
    h.clock.advance(by: .seconds(3600))
    let samples = h.outputSamples()
    try h.finish()
    return (samples, h.negotiatedOutput)
}

/// How many seconds of media a sound file holds, as read back through libsndfile.
func soundFileSeconds(_ path: String) throws -> Double {
    let (samples, format) = try readSoundFile(path)
    guard let format, format.clockRate > 0 else { return 0 }
    return Double(samples.count) / Double(format.clockRate * format.channels)
}

/// The repository root (three levels above this file).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
