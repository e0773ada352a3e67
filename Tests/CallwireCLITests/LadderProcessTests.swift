import Foundation
import TestSupport
import Testing

/// Three `callwire` processes on 127.0.0.1: bob calls alice, holds and resumes her, then
/// blind-transfers her to carol with `/transfer` typed on stdin (carol's is a plain call). Each
/// side's `--ladder` SVG (and
/// `callwire ladder` on bob's saved `--events json` stream) must be well-formed, name what
/// happened, and render with rsvg-convert.
@Suite("callwire --ladder and /transfer between processes", .serialized)
struct LadderProcessTests {
    @Test("--ladder draws a plain call, a call with hold/resume and a transferred call (REFER, NOTIFY sipfrags, the new call); callwire ladder draws the same from --events json")
    func transferLadders() async throws {
        let binary = try callwireExecutable().path
        let scratch = try temporaryDirectory("ladder")
        let alicePort = FreePort.next([.udp, .tcp]), carolPort = FreePort.next([.udp, .tcp])
        let common = ["--int-ip=127.0.0.1", "--no-audio", "--auto-respond-after=0.2"]
        let carolLadder = scratch.appendingPathComponent("carol.svg").path
        let carol = try PeerProcess(binary, common + ["--listen", "--port=\(carolPort)", "--user=carol", "--ladder", carolLadder])
        defer { kill(carol.process.processIdentifier, SIGKILL) }
        let aliceLadder = scratch.appendingPathComponent("alice.svg").path
        let alice = try PeerProcess(binary, common + ["--listen", "--port=\(alicePort)", "--user=alice", "--ladder", aliceLadder])
        defer { kill(alice.process.processIdentifier, SIGKILL) }
        try await Readiness.waitUntilListening(port: alicePort)
        try await Readiness.waitUntilListening(port: carolPort)
        let bobLadder = scratch.appendingPathComponent("bob.svg").path
        let bob = try PeerProcess(binary, common + ["--to=sip:alice@127.0.0.1:\(alicePort)", "--port=0", "--user=bob",
                                                    "--ladder", bobLadder, "--events", "json"])
        defer { kill(bob.process.processIdentifier, SIGKILL) }
        try await bob.waitFor("\"state\":\"active\"")
        bob.type("/hold")
        try await bob.waitFor("hold done")
        bob.type("/resume")
        try await bob.waitFor("resume done")
        bob.type("/transfer sip:carol@127.0.0.1:\(carolPort)")
        try await bob.waitFor("transfer done", timeout: .seconds(20))
        #expect(await bob.finish(timeout: .seconds(20)) == 0, "bob's job ends with the transferred call: \(bob.text.suffix(2_000))")
        try await alice.waitFor("transfer to sip:carol@127.0.0.1:\(carolPort): 200 OK")
        try await carol.waitFor("caller INFO - media: ", timeout: .seconds(5))
        #expect(await alice.interrupt() == 0)
        #expect(await carol.interrupt() == 0)

        let bobTexts = try LadderChecks.validate(bobLadder, mentions: ["INVITE", "sendonly hold", "REFER", "NOTIFY", "SIP/2.0 100 Trying",
                                                                        "SIP/2.0 200 OK", "BYE"])
        #expect(bobTexts.filter { $0.hasPrefix("Call ") }.count == 1, "bob was in one call")
        let aliceTexts = try LadderChecks.validate(aliceLadder, mentions: ["REFER", "202 Accepted", "Refer-To sip:carol@127.0.0.1:\(carolPort)",
                                                                            "SIP/2.0 200 OK", "180 Ringing"])
        #expect(aliceTexts.filter { $0.hasPrefix("Call ") }.count == 2, "alice's call with bob, and hers with carol")

        let carolTexts = try LadderChecks.validate(carolLadder, mentions: ["INVITE", "180 Ringing", "200 OK", "ACK", "BYE"])
        #expect(carolTexts.filter { $0.hasPrefix("Call ") }.count == 1, "carol's one plain call")
        #expect(!carolTexts.contains { $0.contains("hold") || $0.contains("REFER") }, "nothing but the plain call: \(carolTexts)")

        let events = scratch.appendingPathComponent("bob.jsonl").path
        try bob.text.write(toFile: events, atomically: true, encoding: .utf8)
        let redrawn = scratch.appendingPathComponent("bob-again.svg").path
        let result = await callwire("ladder", events, "-o", redrawn)
        #expect(result.status == 0, "\(result.stderr)")
        let again = try LadderChecks.validate(redrawn, mentions: ["REFER", "sendonly hold"])
        // The same picture: the JSON's times have millisecond precision, so a time may differ by 1 ms.
        let labels = { (texts: [String]) in texts.filter { !$0.hasPrefix("+") } }
        #expect(labels(again) == labels(bobTexts), "the saved events draw the same picture")
    }
}
