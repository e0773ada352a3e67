import Foundation
import MediaTesting
import TestSupport
import Testing

/// sipp (Debian `sip-tester`) against the `callwire` executable for call control: session
/// timers (RFC 4028) and reliable provisionals (RFC 3262) in both directions, with early media
/// from a reliable 183; and `--ladder`'s SVG of the calls.
@Suite("sipp: session timers and 100rel", .serialized)
struct SippControlTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sipp")

    /// The JSON events a callwire run printed.
    static func events(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Starts `callwire ARGS` listening on a free port (output in a pipe).
    static func listen(_ arguments: [String]) throws -> (Process, Pipe, Int) {
        let port = FreePort.next([.udp, .tcp])
        let process = Process()
        process.executableURL = try callwireExecutable()
        process.arguments = ["--listen", "--int-ip=127.0.0.1", "--port=\(port)", "--no-audio", "--events", "json"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try Readiness.waitUntilListeningSync(port: port)
        return (process, output, port)
    }

    /// Runs a sipp scenario file against `port` on a thread; the result when it ends.
    static func sipp(_ scenario: String, port: Int, in directory: URL) throws -> (status: Int32, out: String, err: String) {
        try runProcess(try requireTool("sipp"), ["-sf", scenario, "-i", "127.0.0.1", "-p", String(FreePort.next()), "-mi", "127.0.0.1",
                                                 "-mp", String(FreePort.next(pair: true)), "-m", "1", "-s", "service", "-nostdin",
                                                 "-timeout", "100s", "-trace_err", "127.0.0.1:\(port)"], directory: directory)
    }

    @Test("Session-Expires: 90;refresher=uac is granted with Require: timer and refreshed by UPDATE and re-INVITE; a caller that never refreshes gets Callwire's BYE 60 s after the answer")
    func sessionTimers() async throws {
        let scratch = try temporaryDirectory("timers")
        let (callee, output, port) = try Self.listen(["--max-calls", "2", "--auto-respond-after=0"])
        defer { if callee.isRunning { callee.terminate() } }
        // Both callers at once: the silent one takes a minute, the refreshing one seconds.
        async let silent = Task.detached { try Self.sipp(Self.directory.appendingPathComponent("timer-silent-uac.xml").path, port: port, in: scratch) }.value
        async let refreshing = Task.detached { try Self.sipp(Self.directory.appendingPathComponent("timer-refresh-uac.xml").path, port: port, in: scratch) }.value
        let (quiet, active) = try await (silent, refreshing)
        #expect(active.status == 0, "refreshing caller: \(active.out.suffix(1_500)) \(active.err.suffix(500))")
        #expect(quiet.status == 0, "silent caller: \(quiet.out.suffix(1_500)) \(quiet.err.suffix(500))")
        callee.interrupt()
        callee.waitUntilExit()
        let events = Self.events(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        let expired = events.first { $0["event"] as? String == "call_ended" && $0["reason"] as? String == "session timer expired" }
        let call = try #require(expired?["call"] as? String, "a call ended by the session timer")
        let answered = events.first { $0["event"] as? String == "call_state" && $0["call"] as? String == call && $0["state"] as? String == "active" }
        let seconds = ((expired?["time"] as? Double) ?? 0) - ((answered?["time"] as? Double) ?? 0)
        #expect(seconds > 58 && seconds < 63, "BYE \(seconds) s after the answer")
        #expect(events.filter { $0["event"] as? String == "call_ended" }.count == 2)
    }

    @Test("100rel as UAS: a caller that requires it gets a reliable 180 (RSeq), PRACKs it, then the 200; --ladder draws the call")
    func prackAsCallee() throws {
        let scratch = try temporaryDirectory("prack-uas")
        let ladder = scratch.appendingPathComponent("call.svg").path
        let (callee, output, port) = try Self.listen(["--auto-respond-after=1", "--100rel", "supported", "--ladder", ladder])
        defer { if callee.isRunning { callee.terminate() } }
        let result = try Self.sipp(Self.directory.appendingPathComponent("prack-uac.xml").path, port: port, in: scratch)
        #expect(result.status == 0, "sipp: \(result.out.suffix(1_500)) \(result.err.suffix(500))")
        callee.interrupt()
        callee.waitUntilExit()
        let messages = Self.events(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            .filter { $0["event"] as? String == "sip_message" }
        let flow = messages.map { "\($0["direction"] as? String == "sent" ? ">" : "<")\(($0["status"] as? Int).map(String.init) ?? ($0["method"] as? String ?? ""))" }
        #expect(flow.filter { $0 != ">100" }.prefix(4) == ["<INVITE", ">180", "<PRACK", ">200"], "\(flow)")
        try LadderChecks.validate(ladder, mentions: ["INVITE", "180 Ringing", "PRACK", "BYE"])
    }

    @Test("100rel as UAC: --100rel required; the callee's reliable 183 with SDP is PRACKed and starts early media (its tone is heard before the 200)")
    func prackAsCaller() throws {
        let scratch = try temporaryDirectory("prack-uac")
        let tone = scratch.appendingPathComponent("tone.pcap").path
        try RTPCapture.tone(frequency: 1_000, seconds: 2, aLaw: false, to: tone)
        let scenario = scratch.appendingPathComponent("prack-uas.xml")
        try String(contentsOf: Self.directory.appendingPathComponent("prack-uas.xml"), encoding: .utf8)
            .replacingOccurrences(of: "PCAP_TONE", with: tone).write(to: scenario, atomically: true, encoding: .utf8)
        let port = FreePort.next(.udp)
        let callee = Process()
        callee.executableURL = URL(fileURLWithPath: try requireTool("sipp"))
        callee.arguments = ["-sf", scenario.path, "-i", "127.0.0.1", "-p", String(port), "-mi", "127.0.0.1",
                            "-mp", String(FreePort.next(pair: true)), "-m", "1", "-nostdin", "-timeout", "30s", "-trace_err"]
        callee.currentDirectoryURL = scratch
        callee.standardOutput = FileHandle.nullDevice
        callee.standardError = FileHandle.nullDevice
        callee.standardInput = FileHandle.nullDevice
        try callee.run()
        defer { if callee.isRunning { callee.terminate() } }
        try Readiness.waitUntilListeningSync(port: port)
        let recording = scratch.appendingPathComponent("heard.wav").path
        let result = try runProcess(try callwireExecutable().path, [
            "--to=sip:service@127.0.0.1:\(port)", "--int-ip=127.0.0.1", "--port=0", "--100rel", "required", "--duration=2",
            "--events", "json",
            "--pipeline", "silence rate=8000 ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! wav-recorder path=\(recording)"])
        #expect(result.status == 0, "\(result.err)")
        callee.waitUntilExit()
        #expect(callee.terminationStatus == 0, "sipp saw the Require, the PRACK's RAck and the BYE")
        let events = Self.events(result.out)
        func index(_ match: ([String: Any]) -> Bool) -> Int? { events.firstIndex(where: match) }
        let early = index { $0["event"] as? String == "call_state" && $0["state"] as? String == "early" }
        let ok = index { $0["event"] as? String == "response" && $0["status"] as? Int == 200 && $0["method"] as? String == "INVITE" }
        let prack = index { $0["event"] as? String == "sip_message" && $0["method"] as? String == "PRACK" && $0["direction"] as? String == "sent" }
        #expect(early != nil && ok != nil && prack != nil, "\(result.out.suffix(3_000))")
        if let early, let ok, let prack { #expect(early < ok && prack < ok) }
        // Media time starts with the 183: the tone fills the first two seconds, before the 200.
        let (samples, format) = try readSoundFile(recording)
        let rate = format?.clockRate ?? 8_000
        let first = Array(samples.prefix(rate * 2).dropFirst(rate / 2))
        #expect(AudioCheck.rms(first[...]) > 1_000, "early media is heard")
        #expect(abs(AudioCheck.dominantFrequency(first, sampleRate: rate) - 1_000) < 15)
    }
}
