import Foundation
import MediaTesting
import TestSupport
import Testing

/// sipp (Debian `sip-tester`) changes a call under `callwire --listen`: the codec by re-INVITE,
/// a re-offer it cannot take, INFO DTMF, and requests it does not implement.
@Suite("sipp re-INVITEs, INFO and refused methods", .serialized)
struct SippReinviteTests {
    @Test("PCMU → PCMA by re-INVITE keeps the tone's frequency; only-G729 gets 488 with a Warning and the call goes on; INFO keys are reported; REFER, SUBSCRIBE, FROBNICATE get 405, 405, 501 with Allow")
    func reinvite() throws {
        let binary = try callwireExecutable().path
        let sipp = try requireTool("sipp")
        let directory = try temporaryDirectory("reinvite")
        let recording = directory.appendingPathComponent("heard.wav").path
        let pcmu = directory.appendingPathComponent("pcmu.pcap").path, pcma = directory.appendingPathComponent("pcma.pcap").path
        try RTPCapture.tone(frequency: 1_000, seconds: 2, aLaw: false, to: pcmu)
        try RTPCapture.tone(frequency: 1_000, seconds: 2, aLaw: true, to: pcma)
        let template = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("sipp/reinvite-uac.xml"), encoding: .utf8)
        let scenario = directory.appendingPathComponent("reinvite.xml")
        try template.replacingOccurrences(of: "PCAP_PCMU", with: pcmu).replacingOccurrences(of: "PCAP_PCMA", with: pcma)
            .write(to: scenario, atomically: true, encoding: .utf8)

        let port = FreePort.next([.udp, .tcp])
        let callee = Process()
        callee.executableURL = URL(fileURLWithPath: binary)
        callee.arguments = ["--listen", "--auto-respond-after=0", "--int-ip=127.0.0.1", "--port=\(port)", "--events", "json",
                            "--pipeline", "silence rate=8000 ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! wav-recorder path=\(recording)"]
        let output = Pipe()
        callee.standardOutput = output
        callee.standardError = FileHandle.nullDevice
        callee.standardInput = FileHandle.nullDevice
        try callee.run()
        defer { if callee.isRunning { callee.terminate() } }
        try Readiness.waitUntilListeningSync(port: port)
        let result = try runProcess(sipp, ["-sf", scenario.path, "-i", "127.0.0.1", "-p", String(FreePort.next()),
                                           "-mi", "127.0.0.1", "-mp", String(FreePort.next(pair: true)), "-m", "1", "-s", "service",
                                           "-nostdin", "-timeout", "60s", "-trace_err", "127.0.0.1:\(port)"], directory: directory)
        #expect(result.status == 0, "sipp: \(result.out.suffix(1_500)) \(result.err.suffix(500))")
        callee.interrupt()
        callee.waitUntilExit()
        let events = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let codecs = events.filter { $0["event"] as? String == "codec" }.compactMap { $0["codec"] as? String }
        #expect(codecs == ["PCMU/8000", "PCMA/8000"], "\(codecs)")
        #expect(events.contains { $0["event"] as? String == "offer_rejected" && $0["status"] as? Int == 488 })
        let keys = events.filter { $0["event"] as? String == "dtmf_received" }
        #expect(keys.compactMap { $0["digit"] as? String } == ["4", "2"])
        #expect(keys.allSatisfy { $0["method"] as? String == "info" })

        // Two runs of tone, before and after the switch, each 1 kHz.
        let (samples, format) = try readSoundFile(recording)
        let rate = format?.clockRate ?? 8_000, block = rate / 50
        var runs: [[Int16]] = [], current: [Int16] = []
        for start in stride(from: 0, to: samples.count - block, by: block) {
            let part = samples[start..<(start + block)]
            if AudioCheck.rms(part) > 1_000 {
                current += part
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        let long = runs.filter { $0.count > rate }
        #expect(long.count == 2, "a PCMU and a PCMA stretch of tone: \(runs.map { Double($0.count) / Double(rate) })")
        for run in long {
            #expect(abs(AudioCheck.dominantFrequency(run, sampleRate: rate) - 1_000) < 10)
        }
    }
}
