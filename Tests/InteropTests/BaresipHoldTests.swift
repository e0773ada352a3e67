import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hold and resume with baresip (RFC 3264 §8.4), both ways, read back from Callwire's stereo
/// recording: the received channel is silent while baresip is held and holds its tone before and
/// after, with media time continuous across the whole call.
@Suite("Hold and resume with baresip", .serialized)
struct BaresipHoldTests {
    let peer = BaresipTests()

    /// A 40 s 1 kHz tone at 8 kHz for baresip's aufile source.
    func tone(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("tone.wav").path
        #expect(try runTool("sox", package: "sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", path,
                                                    "synth", "40", "sine", "1000", "vol", "0.3"]) == 0)
        return path
    }

    /// The received (right) channel of a stereo recording (sox extracts it at 8 kHz), in 20 ms
    /// blocks: true where loud.
    func loudBlocks(_ path: String) throws -> [Bool] {
        let raw = path + ".right.raw"
        #expect(try runTool("sox", package: "sox", [path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-r", "8000", raw,
                                                    "remix", "2"]) == 0)
        let samples = try Data(contentsOf: URL(fileURLWithPath: raw)).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        return stride(from: 0, to: samples.count - 160, by: 160).map { start -> Bool in
            let energy = samples[start..<(start + 160)].map { Double($0) * Double($0) }.reduce(0, +)
            return (energy / 160).squareRoot() > 300
        }
    }

    /// The shape of a recording: runs of 0.5 s or more, neighbours of the same kind joined. A
    /// dropout shorter than that (a loaded machine starving the sender for a few hundred
    /// milliseconds split the resumed tone in two) does not change the shape; the hold does.
    func shape(_ blocks: [Bool]) -> [(loud: Bool, seconds: Double)] {
        var result: [(loud: Bool, seconds: Double)] = []
        for run in runs(blocks) where run.seconds >= 0.5 {
            if let last = result.last, last.loud == run.loud {
                result[result.count - 1].seconds += run.seconds
            } else {
                result.append(run)
            }
        }
        return result
    }

    /// Runs of equal values: (loud?, seconds).
    func runs(_ blocks: [Bool]) -> [(loud: Bool, seconds: Double)] {
        var result: [(Bool, Double)] = []
        for block in blocks {
            if let last = result.last, last.0 == block {
                result[result.count - 1].1 += 0.02
            } else {
                result.append((block, 0.02))
            }
        }
        return result
    }

    @Test("baresip calls Callwire, holds and resumes it: Callwire reports held (remote) then active; its recording is continuous, silent while held")
    func baresipHolds() async throws {
        let directory = try peer.scratch("baresip-holds")
        let recording = directory.appendingPathComponent("call.wav").path
        let sipPort = FreePort.next(.udp), port = FreePort.next([.udp, .tcp]), controlPort = FreePort.next(.tcp)
        let callwire = try PeerProcess(try callwirePath(), ["--listen", "--no-audio", "--auto-respond-after=0.2", "--int-ip=127.0.0.1",
                                                            "--port=\(port)", "--record", recording, "--events", "json"])
        defer { kill(callwire.process.processIdentifier, SIGKILL) }
        try await Readiness.waitUntilListening(port: port)
        let baresip = try peer.makeBaresip(source: try tone(in: directory), directory: directory, sipPort: sipPort, controlPort: controlPort)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        try await baresip.waitFor("baresip is ready")
        try await Readiness.waitUntilListening(port: controlPort, tcp: true)
        let control = try ControlConnection(port: controlPort)
        try control.send(command: "dial", params: "sip:alice@127.0.0.1:\(port)")
        try await callwire.waitFor("\"state\":\"active\"")
        try await Task.sleep(for: .seconds(3))   // media time before the hold
        try control.send(command: "hold", params: "")
        try await callwire.waitFor("\"hold\":\"remote\"")
        try await Task.sleep(for: .seconds(3))
        try control.send(command: "resume", params: "")
        try await callwire.waitFor("\"state\":\"active\",\"hold\":null}", after: "\"hold\":\"remote\"")
        try await Task.sleep(for: .seconds(3))
        try control.send(command: "hangup", params: "")
        try await callwire.waitFor("\"event\":\"call_ended\"")
        try await callwire.waitFor("\"event\":\"file_written\"")
        #expect(await callwire.interrupt() == 0)

        let blocks = try loudBlocks(recording)
        let pattern = shape(blocks)
        #expect(pattern.map(\.loud) == [true, false, true], "tone, silence while held, tone: \(pattern)")
        if pattern.count == 3 {
            #expect(abs(pattern[1].seconds - 3) < 0.6, "the held stretch lasts the hold: \(pattern[1].seconds) s")
        }
        let total = Double(blocks.count) * 0.02
        #expect(total > 8.5 && total < 11, "the whole call is recorded with continuous media time: \(total) s")
    }

    @Test("Callwire holds and resumes baresip with /hold and /resume typed on stdin: baresip takes both offers and stops sending while held; keys sent as SIP INFO reach it")
    func callwireHolds() async throws {
        let directory = try peer.scratch("callwire-holds")
        let recording = directory.appendingPathComponent("call.wav").path
        let sipPort = FreePort.next(.udp), controlPort = FreePort.next(.tcp)
        let baresip = try peer.makeBaresip(source: try tone(in: directory), directory: directory, sipPort: sipPort, controlPort: controlPort)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        try await baresip.waitFor("baresip is ready")
        let callwire = try PeerProcess(try callwirePath(), ["--to=sip:bare@127.0.0.1:\(sipPort)", "--no-audio", "--int-ip=127.0.0.1",
                                                            "--port=0", "--record", recording, "--events", "json", "--dtmf-mode", "info"])
        defer { kill(callwire.process.processIdentifier, SIGKILL) }
        try await callwire.waitFor("\"state\":\"active\"")
        try await Task.sleep(for: .seconds(3))
        callwire.type("/hold")
        try await callwire.waitFor("hold done")
        #expect(callwire.text.contains("\"hold\":\"local\""))
        try await Task.sleep(for: .seconds(3))
        callwire.type("/resume")
        try await callwire.waitFor("resume done")
        try await Task.sleep(for: .seconds(3))
        // baresip 1.0 cannot send INFO keys itself (it has no dtmfmode), but it takes them.
        callwire.type("12#")
        try await baresip.waitFor("received DTMF: '#'")
        #expect(baresip.text.contains("received DTMF: '1'") && baresip.text.contains("received DTMF: '2'"))
        callwire.type("/hangup")
        #expect(await callwire.finish(timeout: .seconds(20)) == 0, "\(callwire.text.suffix(1_000))")
        let offers = baresip.text.components(separatedBy: "got re-INVITE (SDP Offer)").count - 1
        #expect(offers == 2, "baresip took the hold and the resume offers: \(offers)")

        let blocks = try loudBlocks(recording)
        let pattern = shape(blocks)
        #expect(pattern.map(\.loud) == [true, false, true], "baresip's tone, nothing while held, its tone again: \(pattern)")
    }
}
