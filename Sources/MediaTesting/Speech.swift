public import Foundation
import MediaCore

/// Speech fixtures synthesized by the `flite` command (Debian `flite`, installed by `make deps`).
///
/// Real speech, not a synthetic stand-in: codec quality, voice activity and recognition are
/// only meaningful on speech. Tests fail loudly when flite is missing.
public enum Speech {
    /// Sentences flite voices say clearly (also used in the recognition tests).
    public static let sentences = ["one two three four five", "hello world", "testing one two three",
                                   "please call me back tomorrow"]

    /// `text` spoken by a flite voice (kal is 8 kHz; slt, rms, awb, kal16 are 16 kHz).
    public static func say(_ text: String, voice: String = "rms") throws -> Signal {
        guard let flite = ["/usr/bin/flite", "/usr/local/bin/flite"].first(where: FileManager.default.isExecutableFile) else {
            throw SpeechError("the flite command is missing: run `make deps` (Debian package flite)")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("speech-\(UUID()).wav").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: flite)
        process.arguments = ["-voice", voice, "-t", text, "-o", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: path) else {
            throw SpeechError("flite failed for voice \(voice)")
        }
        return try WAVFile.read(data)
    }
}

/// A failure preparing a fixture.
public struct SpeechError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A minimal reader of 16-bit PCM WAV data (for fixtures; the product reads files with libsndfile).
public enum WAVFile {
    /// Reads 16-bit PCM WAV bytes.
    public static func read(_ data: Data) throws -> Signal {
        let bytes = [UInt8](data)
        func u32(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24 }
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        guard bytes.count > 44, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46] else { throw SpeechError("not a WAV file") }
        var offset = 12, rate = 0, channels = 1
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self), size = u32(offset + 4)
            if id == "fmt " {
                channels = u16(offset + 10)
                rate = u32(offset + 12)
                guard u16(offset + 22) == 16 else { throw SpeechError("only 16-bit WAV is read here") }
            } else if id == "data" {
                let end = min(bytes.count, offset + 8 + size)
                var samples: [Int16] = []
                samples.reserveCapacity((end - offset - 8) / 2)
                var i = offset + 8
                while i + 1 < end {
                    samples.append(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8))
                    i += 2
                }
                return Signal(samples: samples, sampleRate: rate, channels: channels)
            }
            offset += 8 + size + (size & 1)
        }
        throw SpeechError("WAV file without data")
    }
}
