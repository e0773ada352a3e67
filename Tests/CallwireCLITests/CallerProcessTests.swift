import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `callwire` executable as users run it: exit statuses, messages, sipp against it, and a
/// recording that survives SIGKILL.
@Suite("callwire caller (processes)", .serialized)
struct CallerProcessTests {
    @Test("bad input: one clear message and the documented status, before any SIP is sent")
    func badInput() throws {
        let binary = try callwireExecutable().path
        let listener = try UDPProbe()
        let target = "--to=sip:alice@127.0.0.1:\(listener.port)"
        let unknown = try runProcess(binary, ["--bogus"])
        #expect(unknown.status == 64)
        #expect(unknown.err.contains("Unknown option '--bogus'"))
        let noScheme = try runProcess(binary, ["--to=18007741500", "--no-audio"])
        #expect(noScheme.status == 64)
        #expect(noScheme.err.contains("'18007741500' is not a SIP address"))
        let none = try runProcess(binary, [])
        #expect(none.status == 64)
        #expect(none.err.contains("must supply --to option"))
        let badPipeline = try runProcess(binary, [target, "--port=0", "--pipeline", "sine ! pcmu-encodr ! @rtp-out"])
        #expect(badPipeline.status == 1)
        #expect(badPipeline.err.contains("<pipeline>:1:8: error: unknown node type 'pcmu-encodr' (did you mean 'pcmu-encoder'?)"))
        let noDevice = try runProcess(binary, [target, "--port=0", "--pipeline",
                                               "alsa-source device=hw:9,0 ! resample ! @encoder ! @rtp-out  @rtp-in ! @decoder ! null-sink"])
        #expect(noDevice.status == 1)
        #expect(noDevice.err.contains("cannot open audio device 'hw:9,0'"))
        #expect(listener.received() == 0, "nothing was sent for a bad pipeline or a missing device")
        let refused = try runProcess(binary, ["--to=sip:alice@127.0.0.1:9", "--transport=tcp", "--port=0", "--no-audio"])
        #expect(refused.status == 3)
        #expect(refused.out.contains("cannot reach the peer"))
    }

    // --max-calls 10: a loaded machine may take longer to see one call's ACK and BYE than sipp
    // takes to start the next; with one call allowed those would (rightly) get 486.
    @Test("sipp's uac places 200 calls at 20 calls/s on `callwire --listen --max-calls 10 --auto-respond-after=0`; none fails")
    func sippCalls() throws {
        let binary = try callwireExecutable().path
        let sipp = try requireTool("sipp")
        let port = FreePort.next([.udp, .tcp])
        let callee = Process()
        callee.executableURL = URL(fileURLWithPath: binary)
        callee.arguments = ["--listen", "--max-calls", "10", "--auto-respond-after=0", "--no-audio", "--int-ip=127.0.0.1",
                            "--port=\(port)", "-q"]
        callee.standardInput = FileHandle.nullDevice
        callee.standardOutput = FileHandle.nullDevice
        try callee.run()
        defer {
            callee.interrupt()
            callee.waitUntilExit()
        }
        try Readiness.waitUntilListeningSync(port: port)
        let result = try runProcess(sipp, ["-sn", "uac", "-r", "20", "-m", "200", "-i", "127.0.0.1", "-p", String(FreePort.next()),
                                           "-nostdin", "-timeout", "60s", "127.0.0.1:\(port)"])
        #expect(result.status == 0, "sipp: \(result.out.suffix(1_500)) \(result.err.suffix(500))")
        #expect(callee.isRunning, "callwire is still up")
    }

    @Test("a call killed with SIGKILL leaves a playable stereo recording of what came before")
    func killedRecording() throws {
        let binary = try callwireExecutable().path
        let directory = try temporaryDirectory("kill")
        let recording = directory.appendingPathComponent("call.wav").path
        let port = FreePort.next([.udp, .tcp])
        let callee = Process()
        callee.executableURL = URL(fileURLWithPath: binary)
        callee.arguments = ["--listen", "--auto-respond-after=0", "--int-ip=127.0.0.1", "--port=\(port)", "-q", "--pipeline",
                            "sine freq=1000 rate=8000 ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink"]
        callee.standardInput = FileHandle.nullDevice
        try callee.run()
        defer {
            callee.interrupt()
            callee.waitUntilExit()
        }
        try Readiness.waitUntilListeningSync(port: port)
        let caller = Process()
        caller.executableURL = URL(fileURLWithPath: binary)
        caller.arguments = ["--to=sip:alice@127.0.0.1:\(port)", "--no-audio", "--int-ip=127.0.0.1", "--port=0", "--record", recording]
        caller.standardInput = FileHandle.nullDevice
        caller.standardOutput = FileHandle.nullDevice
        try caller.run()
        // Wait in media time: until the recording on disk holds 2 s, however loaded the machine is.
        try Readiness.waitSync(for: "2 s in the call's recording", timeout: .seconds(60), poll: .milliseconds(100)) {
            ((try? soundFileSeconds(recording)) ?? 0) >= 2
        }
        kill(caller.processIdentifier, SIGKILL)
        caller.waitUntilExit()
        let info = try runProcess(try requireTool("soxi"), ["-D", recording])
        let channels = try runProcess(try requireTool("soxi"), ["-c", recording])
        #expect(info.status == 0, "the WAV opens: \(info.err)")
        #expect(channels.out.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        let seconds = Double(info.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(seconds > 1.5, "\(seconds) s recorded before the kill")
    }
}

/// A UDP socket on 127.0.0.1 that counts what arrives (to prove nothing was sent).
final class UDPProbe {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw TestSetupError("cannot bind a UDP probe") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Datagrams waiting now.
    func received() -> Int {
        var count = 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 { count += 1 }
        return count
    }

    deinit { close(descriptor) }
}

/// `--events json` and `--auto-terminate-after`, as a script would use them.
@Suite("callwire --events json")
struct CallerEventsTests {
    @Test("--events json: one object per line with event and time; the callee hangs up after --auto-terminate-after")
    func jsonEvents() throws {
        let binary = try callwireExecutable().path
        let port = FreePort.next([.udp, .tcp])
        let callee = Process()
        callee.executableURL = URL(fileURLWithPath: binary)
        callee.arguments = ["--listen", "--auto-respond-after=0", "--auto-terminate-after=1", "--no-audio", "--int-ip=127.0.0.1",
                            "--port=\(port)", "-q"]
        callee.standardInput = FileHandle.nullDevice
        callee.standardOutput = FileHandle.nullDevice
        try callee.run()
        defer {
            callee.interrupt()
            callee.waitUntilExit()
        }
        try Readiness.waitUntilListeningSync(port: port)
        let result = try runProcess(binary, ["--to=sip:alice@127.0.0.1:\(port)", "--no-audio", "--int-ip=127.0.0.1", "--port=0",
                                             "--events", "json"])
        #expect(result.status == 0, "\(result.err)")
        let objects = result.out.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == result.out.split(separator: "\n").count, "every line is a JSON object")
        #expect(objects.allSatisfy { $0["event"] is String && $0["time"] is Double })
        let names = objects.compactMap { $0["event"] as? String }
        for name in ["listening", "call_state", "response", "codec", "rtp_stats", "call_ended", "summary"] {
            #expect(names.contains(name), "\(name) in \(names)")
        }
        #expect(names.last == "summary")
        let ended = objects.first { $0["event"] as? String == "call_ended" }
        #expect(ended?["reason"] as? String == "remote BYE", "the callee ended it")
        let codec = objects.first { $0["event"] as? String == "codec" }
        #expect(codec?["codec"] as? String == "speex/16000")
    }
}

/// Early media (RFC 3960): a 183 with SDP starts the call's graph before the 200.
@Suite("callwire early media")
struct EarlyMediaTests {
    @Test("a 183 with an answer starts media before the 200; the 200 keeps it")
    func earlyMedia() throws {
        let binary = try callwireExecutable().path
        let sipp = try requireTool("sipp")
        let scenario = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sipp/early-media-uas.xml").path
        let port = FreePort.next(.udp), mediaPort = FreePort.next(pair: true)
        let callee = Process()
        callee.executableURL = URL(fileURLWithPath: sipp)
        callee.arguments = ["-sf", scenario, "-i", "127.0.0.1", "-p", String(port), "-mi", "127.0.0.1", "-mp", String(mediaPort),
                            "-m", "1", "-nostdin", "-timeout", "30s"]
        callee.standardOutput = FileHandle.nullDevice
        callee.standardError = FileHandle.nullDevice
        callee.standardInput = FileHandle.nullDevice
        try callee.run()
        defer {
            if callee.isRunning { callee.terminate() }
            callee.waitUntilExit()
        }
        try Readiness.waitUntilListeningSync(port: port)
        let result = try runProcess(binary, ["--to=sip:service@127.0.0.1:\(port)", "--no-audio", "--int-ip=127.0.0.1", "--port=0",
                                             "--duration=1", "--events", "json"])
        #expect(result.status == 0, "\(result.err)")
        let events = result.out.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        func index(_ match: ([String: Any]) -> Bool) -> Int? { events.firstIndex(where: match) }
        let early = index { $0["event"] as? String == "call_state" && $0["state"] as? String == "early" }
        let codec = index { $0["event"] as? String == "codec" }
        let ok = index { $0["event"] as? String == "response" && $0["status"] as? Int == 200 }
        let progress = index { $0["event"] as? String == "response" && $0["status"] as? Int == 183 }
        #expect(progress != nil && early != nil && codec != nil && ok != nil, "\(result.out)")
        if let progress, let early, let codec, let ok {
            #expect(progress < codec && codec < ok && early < ok, "media started on the 183, before the 200")
        }
        #expect(events.filter { $0["event"] as? String == "codec" }.count == 1, "the 200 did not start a second graph")
    }
}
