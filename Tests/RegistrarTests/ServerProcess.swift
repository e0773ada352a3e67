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
    /// Set when the pipe reaches end of file: everything the program wrote has been read.
    private let drained = Atomic<Bool>(false)

    /// Starts `executable`; `input`, if given, is written to its standard input, which is then closed.
    init(_ executable: String, _ arguments: [String], directory: URL? = nil, input: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
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
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
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
        // The exit can be seen before the last output is read (the reader runs on its own
        // thread; on a loaded machine it lags): wait for end of file, so `text` is complete.
        let drainDeadline = ContinuousClock.now + .seconds(10)
        while !drained.load(ordering: .acquiring) && ContinuousClock.now < drainDeadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
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

/// A blocking HTTP/1.0 GET on 127.0.0.1: status and body.
func httpGet(port: Int, path: String) throws -> (status: Int, body: String) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw ServerTestFailure("no socket") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { throw ServerTestFailure("cannot connect to 127.0.0.1:\(port)") }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count <= 0 { break }
        response += buffer[0..<count]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let statusText = text.split(separator: " ").dropFirst().first, let status = Int(statusText),
          let split = text.range(of: "\r\n\r\n") else { throw ServerTestFailure("not an HTTP response: \(text.prefix(200))") }
    return (status, String(text[split.upperBound...]))
}
