import Foundation
import TestSupport
import Testing

/// Attended transfer between three `callwire` processes on 127.0.0.1 (RFC 5589 §7 with
/// Replaces, RFC 3891): alice, in a call with bob, calls carol and types `/transfer 1 2`; bob
/// calls carol with Replaces naming alice's call there, carol's new call takes its place, and
/// carol recognizes the prompt bob plays.
@Suite("callwire attended transfer between processes", .serialized)
struct TransferProcessTests {
    static let sentence = "please leave a message after the tone"

    @Test("/transfer 1 2: bob replaces alice's call with carol (carol hears and recognizes bob), alice is out of both calls")
    func attended() async throws {
        let binary = try callwireExecutable().path
        let scratch = try temporaryDirectory("attended")
        let wide = scratch.appendingPathComponent("prompt16.wav").path, prompt = scratch.appendingPathComponent("prompt.wav").path
        #expect(try runProcess(try requireTool("flite"), ["-voice", "rms", "-t", Self.sentence, "-o", wide]).status == 0)
        #expect(try runProcess(try requireTool("sox"), [wide, "-r", "8000", "-c", "1", "-b", "16", prompt, "pad", "1", "3"]).status == 0)
        let bobPort = FreePort.next([.udp, .tcp]), carolPort = FreePort.next([.udp, .tcp])
        let bob = try PeerProcess(binary, ["--listen", "--no-audio", "--play", prompt, "--auto-respond-after=0.2", "--int-ip=127.0.0.1",
                                           "--port=\(bobPort)", "--user=bob", "--events", "json"])
        defer { kill(bob.process.processIdentifier, SIGKILL) }
        let carol = try PeerProcess(binary, ["--listen", "--no-audio", "--recognize", "--auto-respond-after=0.2", "--int-ip=127.0.0.1",
                                             "--port=\(carolPort)", "--user=carol"])
        defer { kill(carol.process.processIdentifier, SIGKILL) }
        try await Readiness.waitUntilListening(port: bobPort)
        try await Readiness.waitUntilListening(port: carolPort)
        let alice = try PeerProcess(binary, ["--to=sip:bob@127.0.0.1:\(bobPort)", "--max-calls", "2", "--no-audio", "--int-ip=127.0.0.1",
                                             "--port=0", "--user=alice", "--events", "json"])
        defer { kill(alice.process.processIdentifier, SIGKILL) }
        try await alice.waitFor("\"state\":\"active\"")
        alice.type("/hold")
        try await alice.waitFor("hold done")
        alice.type("/call sip:carol@127.0.0.1:\(carolPort)")
        try await carol.waitFor("caller INFO - media: ")
        alice.type("/transfer 1 2")
        try await alice.waitFor("transfer done", timeout: .seconds(15))
        #expect(await alice.finish(timeout: .seconds(15)) == 0, "\(alice.text.suffix(2_000))")
        #expect(alice.text.contains("\"reason\":\"remote BYE\""), "carol ended her call with alice (replaced)")
        try await carol.waitFor("replaces call 1")
        try await carol.waitFor("\n" + Self.sentence + "\n", timeout: .seconds(20))
        #expect(bob.text.contains("\"event\":\"transfer_status\""))
        #expect(await carol.interrupt() == 0)
        #expect(await bob.interrupt() == 0)
    }
}
