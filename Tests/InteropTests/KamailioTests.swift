import Foundation
import TestSupport
import Testing

/// Callwire registers, calls and messages through Kamailio (Debian `kamailio`) with digest
/// authentication, on 127.0.0.1.
@Suite("Interop with Kamailio", .serialized)
struct KamailioTests {
    func startKamailio(port: Int, directory: URL) async throws -> PeerProcess {
        let template = try String(contentsOf: interopDirectory().appendingPathComponent("kamailio/auth.cfg"), encoding: .utf8)
        let config = directory.appendingPathComponent("kamailio.cfg")
        try template.replacingOccurrences(of: "MODULES", with: try kamailioModules())
            .replacingOccurrences(of: "PORT", with: String(port)).write(to: config, atomically: true, encoding: .utf8)
        // Through a shell that waits for it: Foundation's Process learns that a child exited when
        // a descriptor the child inherited reaches end of file, and Kamailio closes every inherited
        // descriptor as it starts. Started directly, it looked exited at once; the blocking
        // waitpid that followed jammed Foundation's monitor thread, no later child's exit was
        // seen, and the test hung. The shell keeps the descriptor open for as long as Kamailio runs.
        let kamailio = try PeerProcess("/bin/sh", ["-c", "\"$0\" \"$@\" & wait $!", try tool("kamailio", package: "kamailio"),
                                                   "-f", config.path, "-DD", "-E", "-w", directory.path,
                                                   "-P", directory.appendingPathComponent("pid").path])
        try await kamailio.waitFor("SO_RCVBUF is finally")
        try await Readiness.waitUntilListening(port: port)
        return kamailio
    }

    @Test("401 then 200 registers; a MESSAGE and a call between two Callwire users pass 407; a wrong password exits 4; unREGISTER reaches Kamailio")
    func digestRegistrarAndProxy() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kamailio-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = FreePort.next(.udp)
        let kamailio = try await startKamailio(port: port, directory: directory)
        // Kamailio forks its workers; killing the main process alone left them running.
        defer { kamailio.killGroup() }
        let callwire = try callwirePath()
        let domain = "--domain=localhost:\(port)"
        let alice = try PeerProcess(callwire, ["--listen", "--register", "--user=alice", domain, "--authuser=alice", "--authpass=wonderland",
                                               "--int-ip=127.0.0.1", "--port=0", "--no-audio", "--auto-respond-after=0.5"])
        try await alice.waitFor("registered with SIP server as sip:alice@localhost:\(port)")
        #expect(kamailio.text.contains("CALLWIRE-TEST challenge REGISTER sip:alice@localhost:\(port)"), "401 first")

        let message = try PeerProcess(callwire, ["--register", "--user=bob", domain, "--authuser=bob", "--authpass=builder",
                                                 "--int-ip=127.0.0.1", "--port=0", "--to=sip:alice@localhost:\(port)", "--send=hello"])
        message.endInput()
        #expect(await message.finish() == 0, "\(message.text)")
        try await alice.waitFor("<<< hello")
        #expect(kamailio.text.contains("CALLWIRE-TEST challenge MESSAGE"), "the MESSAGE was challenged with 407")

        let call = try PeerProcess(callwire, ["--user=bob", domain, "--authuser=bob", "--authpass=builder", "--int-ip=127.0.0.1",
                                              "--port=0", "--to=sip:alice@localhost:\(port)", "--no-audio", "--duration=1"])
        call.endInput()
        #expect(await call.finish() == 0, "\(call.text)")
        #expect(call.text.contains("received response in state 'inviting': 407 Proxy Authentication Required"))
        #expect(call.text.contains("received response in state 'inviting': 200 OK"))
        try await alice.waitFor("call closed by remote party")

        let wrong = try PeerProcess(callwire, ["--register", "--user=alice", domain, "--authuser=alice", "--authpass=guess",
                                               "--int-ip=127.0.0.1", "--port=0", "--no-audio"])
        wrong.endInput()
        #expect(await wrong.finish() == 4)
        #expect(wrong.text.contains("registration refused: 401 Unauthorized"))

        #expect(await alice.interrupt() == 0)
        try await kamailio.waitFor("CALLWIRE-TEST REGISTER sip:alice@localhost:\(port) expires=0")
    }
}
