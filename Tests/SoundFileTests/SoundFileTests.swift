import Foundation
import Generators
import MediaCore
import MediaTesting
import SoundFile
import Testing

@Suite("wav-player and wav-recorder")
struct SoundFileTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soundfile-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func recorder(_ path: String, _ extra: [String: ParameterValue] = [:]) throws -> WAVRecorder {
        var values = extra
        values["path"] = .string(path)
        return try WAVRecorder(parameters: NodeParameters(for: WAVRecorder.descriptor, values))
    }

    func player(_ path: String, loop: Bool = false) throws -> WAVPlayer {
        try WAVPlayer(parameters: NodeParameters(for: WAVPlayer.descriptor, ["path": .string(path), "loop": .bool(loop)]))
    }

    /// Plays a file to the end and returns its samples and format.
    func readBack(_ path: String) throws -> (samples: [Int16], format: MediaFormat?) {
        let h = try NodeHarness(try player(path))
        h.clock.advance(by: .seconds(30))
        let samples = h.outputSamples()
        try h.finish()
        return (samples, h.negotiatedOutput)
    }

    @Test("a recording reads back sample for sample, at its rate and channel count",
          arguments: [(8000, 1), (16000, 1), (44100, 2)])
    func roundTrip(rate: Int, channels: Int) throws {
        let path = directory.appendingPathComponent("rt-\(rate)-\(channels).wav").path
        var tone = Signal.sine(hz: 700, duration: .milliseconds(500), sampleRate: rate)
        if channels == 2 {
            tone = Signal(samples: tone.samples.flatMap { [$0, -$0] }, sampleRate: rate, channels: 2)
        }
        let h = try NodeHarness(try recorder(path), inputs: [tone.format])
        try h.push(tone)
        try h.finish()
        let (samples, format) = try readBack(path)
        #expect(format == tone.format)
        #expect(samples == tone.samples)
    }

    @Test("the header is valid while the file is still being written")
    func headerValidDuringWrite() throws {
        let path = directory.appendingPathComponent("live.wav").path
        let h = try NodeHarness(try recorder(path), inputs: [.mono16(8000)])
        try h.push(.sine(hz: 1000, duration: .seconds(1), sampleRate: 8000))
        // Still open: another reader sees every sample written so far.
        let (samples, format) = try readBack(path)
        #expect(format == .mono16(8000))
        #expect(samples.count == 8000)
        try h.finish()
    }

    @Test("µ-law in a WAV container and an AU file")
    func encodings() throws {
        for (name, encoding) in [("mu.wav", "ulaw"), ("x.au", "alaw")] {
            let path = directory.appendingPathComponent(name).path
            let tone = Signal.sine(hz: 1004, duration: .milliseconds(500), sampleRate: 8000)
            let h = try NodeHarness(try recorder(path, ["encoding": .string(encoding)]), inputs: [tone.format])
            try h.push(tone)
            try h.finish()
            let (samples, _) = try readBack(path)
            #expect(AudioCheck.snr(reference: tone.samples, test: samples) > 35)
        }
    }

    @Test("missing parent directories are created")
    func parentDirectories() throws {
        let path = directory.appendingPathComponent("calls/2026/rx.wav").path
        let h = try NodeHarness(try recorder(path), inputs: [.mono16(8000)])
        try h.push(.silence(duration: .milliseconds(20), sampleRate: 8000))
        try h.finish()
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("the player loops when asked, and ends at the end of the file otherwise")
    func looping() throws {
        let path = directory.appendingPathComponent("short.wav").path
        let h = try NodeHarness(try recorder(path), inputs: [.mono16(8000)])
        try h.push(.sine(hz: 300, duration: .milliseconds(100), sampleRate: 8000))
        try h.finish()
        let looped = try NodeHarness(try player(path, loop: true))
        looped.clock.advance(by: .milliseconds(500))
        #expect(looped.outputSamples().count == 4000)
        #expect(!looped.endOfStream())
        try looped.finish()
    }

    @Test("clear errors: missing input file, unknown container")
    func errors() throws {
        #expect {
            try player(directory.appendingPathComponent("absent.wav").path)
        } throws: { error in
            let message = (error as? NodeError)?.message ?? ""
            return message.contains("absent.wav") && message.contains("No such file")
        }
        #expect {
            try recorder("out.mp3")
        } throws: { error in
            (error as? NodeError)?.message.contains(".wav, .au or .flac") == true
        }
    }
}
