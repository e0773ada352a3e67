import CallwireBuiltins
import Endpoint
import EndpointTesting
import Foundation
import NIOPosix
import Registrar
import SIPCore
import SIPDialog
import SIPTransport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The server on 127.0.0.1 with an ephemeral UDP port.
struct TestServer {
    let server: SIPServer
    var port: Int { server.listening[0].port }
    /// The domain callers use: `localhost:PORT`.
    var domain: String { "localhost:\(port)" }

    init(port: Int = 0, _ configure: (inout SIPServer.Options) -> Void = { _ in }) async throws {
        var options = SIPServer.Options()
        configure(&options)
        server = try await SIPServer.start(options, transport: TransportOptions(listeners: [.init(kind: .udp, host: "127.0.0.1", port: port)]))
    }

    func close() async { await server.close() }
}

/// A caller on 127.0.0.1 with the built-in processors (see ``CallerProbe``).
typealias TestCaller = CallerProbe

extension CallerProbe {
    convenience init(_ configure: (inout CallerOptions) -> Void) async throws {
        try await self.init(registry: BuiltinPlugins.registry()) { options in
            options.domain = "localhost"
            configure(&options)
        }
    }
}

struct ServerTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func isRegistered(_ event: CallerEvent) -> Bool { if case .registered = event { true } else { false } }

/// sipp (Debian `sip-tester`) as a child process.
enum Sipp {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sipp")

    static func executable() throws -> String {
        for path in ["/usr/bin/sipp", "/usr/local/bin/sipp"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw ServerTestFailure("sipp is not installed; run `make deps` (Debian package sip-tester)")
    }

    /// Runs sipp to the end on a background thread; its exit status and the end of its output.
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> (status: Int32, output: String) {
        let executable = try executable()
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                    let output = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, String(String(decoding: output, as: UTF8.self).suffix(1_500))))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Starts a long-running sipp (a uas); ``stop(_:)`` it when done.
    static func start(_ arguments: [String], in directory: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Stops a sipp from ``start(_:in:)`` and reaps it. SIGKILL: `sipp -sn uas` ignores SIGTERM,
    /// so `terminate()` left one running after each test that used it (six per `make test`).
    static func stop(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A socket of `type` bound to 127.0.0.1 on a port the OS chose, still open: the caller holds the
/// port until it closes the descriptor.
func boundLoopbackSocket(_ type: __socket_type) throws -> (descriptor: CInt, port: Int) {
    let descriptor = socket(AF_INET, Int32(type.rawValue), 0)
    guard descriptor >= 0 else { throw ServerTestFailure("no socket") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else {
        close(descriptor)
        throw ServerTestFailure("cannot bind a socket to 127.0.0.1:0")
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

/// A UDP port the OS says is free now (bound to port 0 and read back, then released).
func freeUDPPort() throws -> Int {
    let (descriptor, port) = try boundLoopbackSocket(SOCK_DGRAM)
    close(descriptor)
    return port
}
