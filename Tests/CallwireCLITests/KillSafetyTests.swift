import Foundation
import MediaCore
import MediaTesting
import Testing

@Suite("Recordings survive SIGKILL")
struct KillSafetyTests {
    @Test("a --realtime recording killed with SIGKILL opens and holds the audio up to ≤ 1 s before the kill")
    func sigkill() async throws {
        let directory = try temporaryDirectory("kill")
        let path = directory.appendingPathComponent("live.wav").path
        let process = Process()
        process.executableURL = try callwireExecutable()
        process.arguments = ["pipeline", "run", "--realtime", "--quiet",
                             "sine freq=1000 rate=8000 ! wav-recorder path=\(path)"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let started = ContinuousClock.now
        // The scenario is "record for a while, then die": let it record about 3 s of real time.
        try await Task.sleep(for: .seconds(3))
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
        // Process start-up takes part of the wall time, so compare against the time it ran.
        #expect(recorded >= killedAfter.secondsDouble - 1 - 0.5, "recorded \(recorded) s of \(killedAfter)")
        #expect(recorded <= killedAfter.secondsDouble + 0.1)
        #expect(abs(AudioCheck.dominantFrequency(samples, sampleRate: 8000) - 1000) < 1)
    }
}

extension Duration {
    var secondsDouble: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
