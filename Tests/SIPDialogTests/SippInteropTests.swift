import Foundation
import SIPCore
import SIPDialog
import SIPTransport
import TestSupport
import Testing

/// sipp (Debian `sip-tester`) against the user agent, over real sockets on 127.0.0.1.
@Suite("Interop with sipp", .serialized, .timeLimit(.minutes(3)))
struct SippInteropTests {
    /// The sipp binary, or a failure that says how to get it.
    func sipp() throws -> String {
        for path in ["/usr/bin/sipp", "/usr/local/bin/sipp"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw SetupError("sipp is not installed; run `make deps` (Debian package sip-tester)")
    }

    /// Runs sipp to completion; returns its exit status and output.
    func runSipp(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try sipp())
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
            .filter { $0.hasSuffix("_errors.log") }
            .compactMap { try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
            .joined(separator: "\n") ?? ""
        return (process.terminationStatus, String(String(decoding: output, as: UTF8.self).suffix(2_000)) + String(errors.prefix(3_000)))
    }

    @Test("sipp's uac places 500 calls at 50 calls/s; all complete", arguments: [SIPTransportKind.udp, .tcp])
    func sippCallsUs(kind: SIPTransportKind) async throws {
        let transport = try await SIPNetworkTransport.start(TransportOptions(listeners: [.init(kind: kind, host: "127.0.0.1", port: 0)]))
        let bob = TestAgent.make(transport, kind: kind, user: "service")
        let port = bob.address.port
        let result = try runSipp(["-sn", "uac", "127.0.0.1:\(port)", "-m", "500", "-r", "50", "-l", "100",
                                  "-t", kind == .udp ? "u1" : "t1", "-i", "127.0.0.1", "-p", "0",
                                  "-timeout", "60s", "-nostdin", "-trace_err", "-nr"])
        #expect(result.status == 0, "sipp failed:\n\(result.output)")
        // sipp is done when its last ACK and BYE are sent; the agent counts once they arrive.
        try? await Readiness.wait(for: "500 answered calls", timeout: .seconds(10)) { bob.agent.answered == 500 }
        #expect(bob.agent.answered == 500)
        await transport.close()
    }

    @Test("sipp's uas answers 100 calls from us; all complete")
    func weCallSipp() async throws {
        let sippPort = FreePort.next(.udp)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try sipp())
        process.arguments = ["-sn", "uas", "-i", "127.0.0.1", "-p", String(sippPort), "-m", "100", "-nostdin", "-t", "u1", "-trace_err",
                             "-timeout", "60s"]
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        try await Readiness.waitUntilListening(port: sippPort)
        let transport = try await SIPNetworkTransport.start(TransportOptions(listeners: [.init(kind: .udp, host: "127.0.0.1", port: 0)]))
        let alice = TestAgent.make(transport, user: "alice")
        let target = SIPDestination(kind: .udp, host: "127.0.0.1", port: sippPort)
        var failures: [String] = []
        for _ in 0..<100 {
            let uri = SIPURI(user: "service", host: "127.0.0.1", port: sippPort)
            let (call, outcome) = await alice.agent.invite(uri, from: NameAddress(uri: SIPURI(user: "alice", host: "127.0.0.1")),
                                                           to: NameAddress(uri: uri), destination: target)
            guard case .established = outcome else {
                failures.append("\(outcome)")
                continue
            }
            await alice.agent.hangUp(call)
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "sipp uas exit status")
        await transport.close()
    }
}

struct SetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
