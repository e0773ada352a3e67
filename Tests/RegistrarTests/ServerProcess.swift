import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A program started by a test (`callwire server`, svwar, fail2ban-regex): its output collected
/// as it comes, waited on by content, stopped at the end.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let output = Mutex("")

    init(_ executable: String, _ arguments: [String], directory: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            if !data.isEmpty { output.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
    }

    /// Everything it printed so far.
    var text: String { output.withLock { $0 } }

    /// Waits until the output contains `needle`.
    func waitFor(_ needle: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if text.contains(needle) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerTestFailure("'\(needle)' did not appear; output:\n\(text.suffix(3_000))")
    }

    /// Waits for the exit (SIGKILL after `timeout`) and returns the status.
    @discardableResult
    func finish(timeout: Duration = .seconds(120)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGINT, then the exit status.
    @discardableResult
    func interrupt() async -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        return await finish(timeout: .seconds(10))
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// The built `callwire` executable, beside the test bundle.
func callwirePath() throws -> String {
    let bundle = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    let path = bundle.deletingLastPathComponent().appendingPathComponent("callwire").path
    guard FileManager.default.isExecutableFile(atPath: path) else { throw ServerTestFailure("callwire is not built at \(path)") }
    return path
}

/// A program from a Debian package, or a failure that says how to get it.
func tool(_ name: String, package: String) throws -> String {
    for directory in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/sbin", "/bin"] {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw ServerTestFailure("\(name) is not installed; run `make deps` (Debian package \(package))")
}

/// `callwire server` started on 127.0.0.1 at a free port, ready when it says so.
func startServer(_ arguments: [String]) async throws -> (ChildProcess, Int) {
    let port = try freeUDPPort()
    let server = try ChildProcess(try callwirePath(), ["server", "-l", "127.0.0.1:\(port)"] + arguments)
    try await server.waitFor("starting agent on 127.0.0.1:\(port)")
    return (server, port)
}

/// The repository's root (tests read only files inside it).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
