import Foundation
import MediaCore
import Testing

/// The pipelines in `pipelines/` that the README gives as the product's jobs, run as documented.
@Suite("pipelines/: prompt, record, transcribe")
struct ProductPipelineTests {
    func run(_ name: String, in directory: URL) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = try callwireExecutable()
        // Run from a scratch directory that sees the repository's pipelines/ (for its media), so
        // out/ lands in the scratch directory.
        let link = directory.appendingPathComponent("pipelines")
        if !FileManager.default.fileExists(atPath: link.path) {
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: repositoryRoot.appendingPathComponent("pipelines"))
        }
        process.arguments = ["pipeline", "run", "pipelines/\(name).pipeline"]
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile(), errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test("prompt writes the announcement; record copies the far end through PCMU; transcribe reads it word for word")
    func jobs() throws {
        let directory = try temporaryDirectory("jobs")
        let prompt = try run("prompt", in: directory)
        #expect(prompt.status == 0, "\(prompt.err)")
        let spoken = try readSoundFile(directory.appendingPathComponent("out/prompt.wav").path)
        #expect(spoken.format == .mono16(8_000))
        #expect(spoken.samples.count > 8_000, "more than a second of speech")

        let record = try run("record", in: directory)
        #expect(record.status == 0, "\(record.err)")
        #expect(record.out.contains("level-meter: level RMS"))
        let recorded = try readSoundFile(directory.appendingPathComponent("out/recording.wav").path)
        let farEnd = try readSoundFile(repositoryRoot.appendingPathComponent("pipelines/media/far-end.wav").path)
        #expect(recorded.samples.count == farEnd.samples.count)
        // The far end is stored as µ-law, and a µ-law round trip of µ-law-decoded audio is
        // lossless (G.711 is idempotent), so the recording equals the file sample for sample.
        #expect(recorded.samples == farEnd.samples)

        let transcribe = try run("transcribe", in: directory)
        #expect(transcribe.status == 0, "\(transcribe.err)")
        #expect(transcribe.out.contains("recognizer: recognized \"please leave a message after the tone\""), "\(transcribe.out)")
    }
}
