import Foundation
import MediaCore
import MediaTesting
import TestSupport
import Testing

@Suite("Recordings survive SIGKILL")
struct KillSafetyTests {
    @Test("a --realtime recording killed with SIGKILL opens and keeps every second it had written before the kill")
    func sigkill() async throws {
        let directory = try temporaryDirectory("kill")
        let path = directory.appendingPathComponent("live.wav").path
        let process = Process()
        process.executableURL = try callwireExecutable()
        process.arguments = ["pipeline", "run", "--realtime", "--quiet",
                             "sine freq=1000 rate=8000 ! wav-recorder path=\(path)"]
        process.standardOutput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        // "Record for a while, then die": wait (in media time, read back from the file) until the
        // recording holds at least 2 s, whatever the machine's load, then kill.
        var before = 0.0
        try await Readiness.wait(for: "2 s in the recording", timeout: .seconds(60), poll: .milliseconds(100)) {
            before = (try? readSoundFile(path).samples.count).map { Double($0) / 8000 } ?? 0
            return before >= 2
        }
        kill(process.processIdentifier, SIGKILL)
        let killedAfter = ContinuousClock.now - started
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let sox = try requireTool("sox")
        let info = try runProcess(sox, ["--i", "-D", path])
        #expect(info.status == 0, "sox cannot open the file: \(info.err)")
        let (samples, format) = try readSoundFile(path)
        #expect(format == .mono16(8000))
        let recorded = Double(samples.count) / 8000
        #expect(recorded >= before, "the kill lost audio the file already held: \(recorded) s after, \(before) s before")
        // A real-time run cannot have produced more media than the wall time it ran.
        #expect(recorded <= killedAfter.secondsDouble + 0.1, "recorded \(recorded) s in \(killedAfter)")
        #expect(abs(AudioCheck.dominantFrequency(samples, sampleRate: 8000) - 1000) < 1)
    }
}

extension Duration {
    var secondsDouble: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
