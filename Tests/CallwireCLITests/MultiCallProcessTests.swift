import Foundation
import MediaTesting
import TestSupport
import Testing

/// `callwire --listen --max-calls 3 --record 'calls/%i.wav'` as a user runs it, with three real
/// callwire callers at once and a fourth that finds it busy.
@Suite("Several calls at once (processes)", .serialized)
struct MultiCallProcessTests {
    @Test("three simultaneous calls are answered and each recorded to its own file with its own audio; a fourth gets 486")
    func threeCalls() throws {
        let binary = try callwireExecutable().path
        let directory = try temporaryDirectory("calls")
        let port = FreePort.next([.udp, .tcp])
        let callee = Process()
        callee.executableURL = URL(fileURLWithPath: binary)
        callee.arguments = ["--listen", "--max-calls", "3", "--record", directory.path + "/%i.wav", "--no-audio",
                            "--auto-respond-after=0", "--int-ip=127.0.0.1", "--port=\(port)", "-q"]
        callee.standardInput = FileHandle.nullDevice
        callee.standardOutput = FileHandle.nullDevice
        try callee.run()
        defer { if callee.isRunning { callee.terminate() } }
        try Readiness.waitUntilListeningSync(port: port)

        func caller(_ frequency: Int, duration: Int) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--to=sip:bob@127.0.0.1:\(port)", "--int-ip=127.0.0.1", "--port=0", "--duration=\(duration)", "-q",
                                 "--pipeline", "sine freq=\(frequency) rate=8000 level=-12dB ! @encoder ! @rtp-out  "
                                     + "@rtp-in ! jitter-buffer ! @decoder ! null-sink"]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let frequencies = [400, 600, 800]
        let callers = try frequencies.map { try caller($0, duration: 6) }
        defer { for process in callers where process.isRunning { process.terminate() } }
        // Three calls are up once each has a recording on disk.
        try Readiness.waitSync(for: "three recordings", timeout: .seconds(60)) {
            (try? FileManager.default.contentsOfDirectory(atPath: directory.path).count) == 3
        }
        let fourth = try runProcess(binary, ["--to=sip:bob@127.0.0.1:\(port)", "--int-ip=127.0.0.1", "--port=0", "--no-audio"])
        #expect(fourth.status == 2, "the fourth call is refused: \(fourth.out.suffix(500))")
        #expect(fourth.out.contains("486"), "\(fourth.out.suffix(500))")
        for process in callers {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        callee.interrupt()
        callee.waitUntilExit()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.count == 3, "\(files)")
        var heard: [Double] = []
        for file in files {
            let (samples, format) = try readSoundFile(directory.appendingPathComponent(file).path)
            let rate = format?.clockRate ?? 0
            #expect(format?.channels == 2, "\(file) is stereo")
            let right = stride(from: 1, to: samples.count, by: 2).map { samples[$0] }
            #expect(Double(right.count) / Double(max(rate, 1)) > 3, "\(file) holds the call")
            heard.append(AudioCheck.dominantFrequency(Array(right.suffix(2 * rate).prefix(rate)), sampleRate: rate))
        }
        let matched = heard.map { value in frequencies.min { abs(Double($0) - value) < abs(Double($1) - value) } ?? 0 }
        #expect(Set(matched) == Set(frequencies), "each file has its own caller's tone: \(heard)")
        #expect(zip(heard, matched).allSatisfy { abs($0 - Double($1)) < 15 }, "\(heard)")
    }
}
