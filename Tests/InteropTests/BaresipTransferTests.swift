import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Transfer with baresip 1.0 (Debian), both ways, to a third endpoint (a Callwire) on 127.0.0.1:
/// baresip blind-transfers a call with Callwire (REFER; Callwire calls the target and reports
/// with NOTIFY sipfrags), and Callwire blind-transfers a call with baresip (`/transfer`), whose
/// audio the target then recognizes.
///
/// baresip 1.0 cannot be the transferee of an attended transfer: it has no Replaces (RFC 3891)
/// and passes the Refer-To URI through a printf-style formatter, so `?Replaces=…%40…%3D…` turns
/// into an invalid Request-URI its target answers with 400. The attended case with baresip as
/// the transferee runs between Callwire processes instead (``TransferProcessTests`` in
/// CallwireCLITests) and on virtual time; with baresip as the target it is
/// ``BaresipAttendedTransferTests``.
@Suite("Transfer with baresip", .serialized)
struct BaresipTransferTests {
    let peer = BaresipTests()

    /// The JSON events a callwire process printed.
    func events(_ process: PeerProcess) -> [[String: Any]] {
        process.text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("baresip blind-transfers its call with Callwire to another Callwire: Callwire calls the target, NOTIFYs 100 then 200 (both answered), and baresip ends the first call")
    func baresipTransfers() async throws {
        let directory = try peer.scratch("baresip-transfers")
        let silence = directory.appendingPathComponent("silence.wav").path
        #expect(try runTool("sox", package: "sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", silence,
                                                    "trim", "0", "30"]) == 0)
        let sipPort = FreePort.next(.udp), controlPort = FreePort.next(.tcp)
        let alicePort = FreePort.next([.udp, .tcp]), carolPort = FreePort.next([.udp, .tcp])
        let common = ["--listen", "--no-audio", "--auto-respond-after=0.2", "--int-ip=127.0.0.1", "--events", "json"]
        let carol = try PeerProcess(try callwirePath(), common + ["--port=\(carolPort)", "--user=carol"])
        defer { kill(carol.process.processIdentifier, SIGKILL) }
        let alice = try PeerProcess(try callwirePath(), common + ["--port=\(alicePort)", "--user=alice"])
        defer { kill(alice.process.processIdentifier, SIGKILL) }
        try await Readiness.waitUntilListening(port: alicePort)
        try await Readiness.waitUntilListening(port: carolPort)
        let baresip = try peer.makeBaresip(source: silence, directory: directory, sipPort: sipPort, controlPort: controlPort)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        try await baresip.waitFor("baresip is ready")
        try await Readiness.waitUntilListening(port: controlPort, tcp: true)
        let control = try ControlConnection(port: controlPort)
        try control.send(command: "dial", params: "sip:alice@127.0.0.1:\(alicePort)")
        try await alice.waitFor("\"state\":\"active\"")
        try await control.waitFor(event: "CALL_ESTABLISHED")
        try control.send(command: "transfer", params: "sip:carol@127.0.0.1:\(carolPort)")
        try await alice.waitFor("\"event\":\"transfer_status\"", timeout: .seconds(10))
        try await alice.waitFor("\"reason\":\"remote BYE\"", timeout: .seconds(10))
        try await carol.waitFor("\"state\":\"active\"")

        let all = events(alice)
        #expect(all.contains { $0["event"] as? String == "transfer_requested" && $0["target"] as? String == "sip:carol@127.0.0.1:\(carolPort)" })
        let messages = all.filter { $0["event"] as? String == "sip_message" && $0["method"] as? String == "NOTIFY" }
        let sent = messages.filter { $0["direction"] as? String == "sent" && $0["status"] is NSNull }.compactMap { $0["note"] as? String }
        #expect(sent == ["SIP/2.0 100 Trying", "SIP/2.0 200 OK"], "the sipfrags Callwire sent: \(sent)")
        let answers = messages.filter { $0["direction"] as? String == "received" }.compactMap { $0["status"] as? Int }
        #expect(answers == [200, 200], "baresip took both NOTIFYs: \(answers)")
        let calls = all.filter { $0["event"] as? String == "call_state" && $0["state"] as? String == "active" }.compactMap { $0["call"] as? String }
        #expect(Set(calls).count == 2, "alice's call with baresip, then hers with carol")
        #expect(await alice.interrupt() == 0)
        #expect(await carol.interrupt() == 0)
    }

    @Test("Callwire blind-transfers its call with baresip to another Callwire (/transfer): baresip calls it, the NOTIFYs report 100 and 200, and the target recognizes baresip's prompt")
    func callwireTransfers() async throws {
        let directory = try peer.scratch("callwire-transfers")
        let wide = directory.appendingPathComponent("prompt16.wav").path, prompt = directory.appendingPathComponent("prompt.wav").path
        #expect(try runTool("flite", package: "flite", ["-voice", "rms", "-t", BaresipTests.sentence, "-o", wide]) == 0)
        #expect(try runTool("sox", package: "sox", [wide, "-r", "8000", "-c", "1", "-b", "16", prompt, "pad", "1", "3"]) == 0)
        let sipPort = FreePort.next(.udp), carolPort = FreePort.next([.udp, .tcp])
        let carol = try PeerProcess(try callwirePath(), ["--listen", "--no-audio", "--recognize", "--auto-respond-after=0.2",
                                                         "--int-ip=127.0.0.1", "--port=\(carolPort)", "--user=carol"])
        defer { kill(carol.process.processIdentifier, SIGKILL) }
        try await Readiness.waitUntilListening(port: carolPort)
        let baresip = try peer.makeBaresip(source: prompt, directory: directory, sipPort: sipPort, controlPort: FreePort.next(.tcp))
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        try await baresip.waitFor("baresip is ready")
        let alice = try PeerProcess(try callwirePath(), ["--to=sip:bare@127.0.0.1:\(sipPort)", "--no-audio", "--int-ip=127.0.0.1",
                                                         "--port=0", "--user=alice", "--events", "json"])
        defer { kill(alice.process.processIdentifier, SIGKILL) }
        try await alice.waitFor("\"state\":\"active\"")
        alice.type("/transfer sip:carol@127.0.0.1:\(carolPort)")
        try await alice.waitFor("transfer done", timeout: .seconds(15))
        #expect(await alice.finish(timeout: .seconds(15)) == 0, "alice's job ends with the transferred call")
        let statuses = events(alice).filter { $0["event"] as? String == "transfer_status" }.compactMap { $0["status"] as? Int }
        #expect(statuses.first == 100 && statuses.last == 200, "what baresip's NOTIFYs said: \(statuses)")
        #expect(baresip.text.contains("transferring call"), "baresip took the REFER")
        try await carol.waitFor("\n" + BaresipTests.sentence + "\n", timeout: .seconds(20))
        #expect(await carol.interrupt() == 0)
    }
}

extension ControlConnection {
    /// Waits until baresip reports an event of `type` (e.g. `CALL_ESTABLISHED`), at most `timeout`.
    func waitFor(event type: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if events().contains(where: { $0["type"] as? String == type }) { return }
            await Task.yield()
        }
        throw InteropFailure("baresip reported no \(type) within \(timeout)")
    }
}

/// Attended transfer with baresip as the transfer target (RFC 5589 §7 roles: alice, a Callwire,
/// transfers carol, another Callwire, to her call with baresip). baresip 1.0 cannot be the
/// transferee (see ``BaresipTransferTests``), so here the REFER goes to carol and names
/// baresip with Replaces; carol's INVITE to baresip carries it. baresip has no Replaces and takes
/// the INVITE as a new call; alice's job ends with the transfer, and closing it hangs up her call
/// with baresip, which the target would have ended.
@Suite("Attended transfer with baresip", .serialized)
struct BaresipAttendedTransferTests {
    let peer = BaresipTests()

    @Test("alice /transfer 2 1: carol calls baresip with Replaces naming alice's call with it, NOTIFYs 200; alice's job ends (leaving both calls) and carol recognizes baresip's prompt")
    func baresipIsTheTarget() async throws {
        let directory = try peer.scratch("baresip-attended")
        let wide = directory.appendingPathComponent("prompt16.wav").path, prompt = directory.appendingPathComponent("prompt.wav").path
        #expect(try runTool("flite", package: "flite", ["-voice", "rms", "-t", BaresipTests.sentence, "-o", wide]) == 0)
        #expect(try runTool("sox", package: "sox", [wide, "-r", "8000", "-c", "1", "-b", "16", prompt, "pad", "1", "3"]) == 0)
        let sipPort = FreePort.next(.udp), carolPort = FreePort.next([.udp, .tcp])
        let carol = try PeerProcess(try callwirePath(), ["--listen", "--no-audio", "--recognize", "--auto-respond-after=0.2",
                                                         "--int-ip=127.0.0.1", "--port=\(carolPort)", "--user=carol", "--events", "json"])
        defer { kill(carol.process.processIdentifier, SIGKILL) }
        try await Readiness.waitUntilListening(port: carolPort)
        let baresip = try peer.makeBaresip(source: prompt, directory: directory, sipPort: sipPort, controlPort: FreePort.next(.tcp))
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        try await baresip.waitFor("baresip is ready")
        let alice = try PeerProcess(try callwirePath(), ["--to=sip:bare@127.0.0.1:\(sipPort)", "--max-calls", "2", "--no-audio",
                                                         "--int-ip=127.0.0.1", "--port=0", "--user=alice", "--events", "json"])
        defer { kill(alice.process.processIdentifier, SIGKILL) }
        try await alice.waitFor("\"state\":\"active\"")
        alice.type("/hold")
        try await alice.waitFor("hold done")
        alice.type("/call sip:carol@127.0.0.1:\(carolPort)")
        try await carol.waitFor("\"state\":\"active\"")
        alice.type("/transfer 2 1")
        try await alice.waitFor("call 2: transfer done", timeout: .seconds(15))
        #expect(await alice.finish(timeout: .seconds(15)) == 0, "\(alice.text.suffix(2_000))")

        let events = carol.text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let invites = events.filter {
            $0["event"] as? String == "sip_message" && $0["method"] as? String == "INVITE" && $0["direction"] as? String == "sent"
                && $0["status"] is NSNull
        }
        #expect(invites.count == 1, "carol called baresip once")
        #expect((invites.first?["note"] as? String)?.contains("Replaces") == true, "with Replaces: \(invites)")
        #expect(invites.first?["remote"] as? String == "127.0.0.1:\(sipPort)")
        try await carol.waitFor("\"text\":\"\(BaresipTests.sentence)\"", timeout: .seconds(20))
        #expect(baresip.text.components(separatedBy: "Call established").count - 1 >= 2, "baresip answered alice, then carol")
        #expect(await carol.interrupt() == 0)
    }
}
