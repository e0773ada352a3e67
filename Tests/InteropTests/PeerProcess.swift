import Foundation
import Synchronization
import Testing

/// A program started by a test (callwire, kamailio, baresip): its output collected as it
/// comes, waited on by content, stopped at the end.
final class PeerProcess: @unchecked Sendable {
    let process = Process()
    private let output = Mutex("")
    private let input = Pipe()

    init(_ executable: String, _ arguments: [String], directory: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = input
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            if !data.isEmpty { output.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
    }

    var text: String { output.withLock { $0 } }

    /// Waits until the output contains `needle`.
    func waitFor(_ needle: String, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if text.contains(needle) { return }
            if !process.isRunning && !text.contains(needle) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw InteropFailure("'\(needle)' did not appear; output:\n\(text.suffix(3_000))")
    }

    /// Waits until `needle` appears after the first `marker` in the output.
    func waitFor(_ needle: String, after marker: String, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let output = text
            if let start = output.range(of: marker), output[start.upperBound...].contains(needle) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw InteropFailure("'\(needle)' did not appear after '\(marker)'; output:\n\(text.suffix(3_000))")
    }

    /// Types a line on the program's stdin.
    func type(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    /// Closes stdin.
    func endInput() { try? input.fileHandleForWriting.close() }

    /// Waits for the exit (SIGKILL after `timeout`) and returns the status.
    @discardableResult
    func finish(timeout: Duration = .seconds(20)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// One SIGINT (ctrl-C), then the exit status.
    func interrupt() async -> Int32 {
        kill(process.processIdentifier, SIGINT)
        return await finish()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

struct InteropFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The built `callwire` executable, beside the test bundle.
func callwirePath() throws -> String {
    let bundle = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    let path = bundle.deletingLastPathComponent().appendingPathComponent("callwire").path
    guard FileManager.default.isExecutableFile(atPath: path) else { throw InteropFailure("callwire is not built at \(path)") }
    return path
}

/// A program from a Debian package, or a failure that says how to get it.
func tool(_ name: String, package: String) throws -> String {
    for directory in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/sbin", "/bin"] {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw InteropFailure("\(name) is not installed; run `make deps` (Debian package \(package))")
}

/// Kamailio's module folder, from the package's own file list (its multiarch path differs by
/// architecture: `/usr/lib/x86_64-linux-gnu/kamailio/modules/` on amd64).
func kamailioModules() throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try tool("dpkg", package: "dpkg"))
    process.arguments = ["-L", "kamailio"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let listing = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard let tm = listing.split(separator: "\n").first(where: { $0.hasSuffix("/kamailio/modules/tm.so") }) else {
        throw InteropFailure("kamailio's module folder was not found in `dpkg -L kamailio`; run `make deps`")
    }
    return String(tm.dropLast("tm.so".count))
}

/// This file's folder (the configurations live beside it).
func interopDirectory(_ file: String = #filePath) -> URL { URL(fileURLWithPath: file).deletingLastPathComponent() }
