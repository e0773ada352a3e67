public import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A program started by a test (callwire, kamailio, baresip): its output collected as it
/// comes, waited on by content, stopped at the end.
public final class PeerProcess: @unchecked Sendable {
    /// The process.
    public let process = Process()
    private let output = Mutex("")
    private let input = Pipe()
    /// Set when the output pipe reaches end of file: everything the program wrote has been read.
    private let drained = Atomic<Bool>(false)

    /// Starts `executable` with `arguments` (in `directory`), collecting stdout and stderr together;
    /// `input`, if given, is written to its standard input, which is then closed.
    public init(_ executable: String, _ arguments: [String], directory: URL? = nil, input text: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = input
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                drained.store(true, ordering: .releasing)
            } else {
                output.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        try process.run()
        if let text {
            type(text, newline: false)
            endInput()
        }
    }

    /// Everything it printed so far.
    public var text: String { output.withLock { $0 } }

    /// Waits until the output contains `needle`.
    public func waitFor(_ needle: String, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if text.contains(needle) { return }
            if !process.isRunning && !text.contains(needle) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw NotReady("'\(needle)' did not appear; output:\n\(text.suffix(3_000))")
    }

    /// Waits until `needle` appears after the first `marker` in the output.
    public func waitFor(_ needle: String, after marker: String, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let output = text
            if let start = output.range(of: marker), output[start.upperBound...].contains(needle) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw NotReady("'\(needle)' did not appear after '\(marker)'; output:\n\(text.suffix(3_000))")
    }

    /// Types a line on the program's stdin. A program that has exited takes nothing: the write
    /// fails (EPIPE) instead of trapping the test process, and the test's own checks say why.
    public func type(_ line: String, newline: Bool = true) {
        try? input.fileHandleForWriting.write(contentsOf: Data((newline ? line + "\n" : line).utf8))
    }

    /// Closes stdin.
    public func endInput() { try? input.fileHandleForWriting.close() }

    /// Waits for the exit (SIGKILL after `timeout`) and returns the status.
    @discardableResult
    public func finish(timeout: Duration = .seconds(20)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        // The exit can be seen before the last output is read (the reader runs on its own
        // thread and lags on a loaded machine): wait for end of file, so `text` is complete.
        let drainDeadline = ContinuousClock.now + .seconds(5)
        while !drained.load(ordering: .acquiring) && ContinuousClock.now < drainDeadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// SIGKILL to the program and everything it started: a child that leads its own process
    /// group (Kamailio under its waiting shell) takes its forked workers with it; one that does
    /// not (sipp, prometheus) is killed by its own pid.
    public func killGroup() {
        kill(-process.processIdentifier, SIGKILL)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// One SIGINT (ctrl-C), then the exit status.
    @discardableResult
    public func interrupt() async -> Int32 {
        kill(process.processIdentifier, SIGINT)
        return await finish()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
