import Foundation
import G711
import MediaCore
import MediaTesting
import Testing

@Suite("G.711")
struct G711Tests {
    @Test("decoded values match the G.711 tables")
    func decodeTable() {
        // G.711 Table 2 (µ-law) and Table 1 (A-law) end points and zero codes.
        #expect(G711.linear(muLaw: 0x00) == -32124)
        #expect(G711.linear(muLaw: 0x80) == 32124)
        #expect(G711.linear(muLaw: 0xFF) == 0)
        #expect(G711.linear(muLaw: 0x7F) == 0)
        #expect(G711.linear(muLaw: 0xFE) == 8)
        #expect(G711.linear(aLaw: 0xD5) == 8)
        #expect(G711.linear(aLaw: 0x55) == -8)
        #expect(G711.linear(aLaw: 0xAA) == 32256)
        #expect(G711.linear(aLaw: 0x2A) == -32256)
    }

    @Test("encode(decode(code)) is the identity for every code")
    func roundTripCodes() {
        for code in 0...255 {
            let c = UInt8(code)
            let mu = G711.muLaw(G711.linear(muLaw: c))
            // 0x7F and 0xFF both decode to 0 (negative and positive zero); 0 encodes as 0xFF.
            #expect(mu == c || (c == 0x7F && mu == 0xFF), "µ-law code \(code)")
            #expect(G711.aLaw(G711.linear(aLaw: c)) == c, "A-law code \(code)")
        }
    }

    @Test("the table-driven buffer coders equal the reference algorithm for all 65,536 inputs")
    func tablesMatchReference() {
        let input = (Int32(Int16.min)...Int32(Int16.max)).map { Int16($0) }
        var mu = [UInt8](repeating: 0, count: input.count), a = mu
        G711.encodeMuLaw(input, into: &mu, count: input.count)
        G711.encodeALaw(input, into: &a, count: input.count)
        #expect(zip(input, mu).allSatisfy { G711.muLaw($0) == $1 })
        #expect(zip(input, a).allSatisfy { G711.aLaw($0) == $1 })
    }

    /// sox (Sun's g711.c) is an independent implementation with a different front end: it rounds
    /// the 16-bit sample to the codec's resolution (14 bits µ-law, 13 bits A-law) where the ITU-T
    /// G.191 reference truncates (one's complement for negatives). Wherever both reductions give
    /// the same value, the companded codes must be identical; that covers every code of both laws.
    @Test("agrees with sox wherever sox's rounding and G.191's truncation coincide",
          arguments: [("u-law", G711Law.muLaw), ("a-law", G711Law.aLaw)])
    func matchesSox(encoding: String, law: G711Law) throws {
        let sox = try #require(findExecutable("sox"), "sox must be installed (make deps)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("g711-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = (Int32(Int16.min)...Int32(Int16.max)).map { Int16($0) }
        let raw = directory.appendingPathComponent("in.raw"), coded = directory.appendingPathComponent("out.raw")
        try input.withUnsafeBytes { Data($0) }.write(to: raw)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sox)
        // -D: no dither (sox dithers by default when it reduces bit depth).
        process.arguments = ["-D", "-V1", "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", "8000", raw.path,
                             "-t", "raw", "-e", encoding, "-b", "8", coded.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let reference = [UInt8](try Data(contentsOf: coded))
        #expect(reference.count == input.count)
        var ours = [UInt8](repeating: 0, count: input.count)
        if law == .muLaw {
            G711.encodeMuLaw(input, into: &ours, count: input.count)
        } else {
            G711.encodeALaw(input, into: &ours, count: input.count)
        }
        func comparable(_ x: Int16) -> Bool {
            if abs(Int(x)) > 32_700 { return false }  // sox clips its rounded value here
            if x == -1 || x == -2 { return false }    // sox rounds these to +0 (0xFF), G.191 keeps -0 (0x7F)
            switch law {
            case .muLaw: return x >= 0 ? (x & 3) < 2 : (x & 3) >= 2
            case .aLaw: return (x & 15) < 12
            }
        }
        var compared = 0, codes = Set<UInt8>()
        for (i, x) in input.enumerated() where comparable(x) {
            compared += 1
            codes.insert(ours[i])
            if ours[i] != reference[i] {
                Issue.record("input \(x): ours \(ours[i]), sox \(reference[i])")
                break
            }
        }
        #expect(compared > 32_000)
        #expect(codes.count >= 254, "every code (but the redundant zero) is exercised")
    }

    @Test("encoder and decoder nodes negotiate PCMU/PCMA and keep timing",
          arguments: [("pcmu", CodecID.pcmu), ("pcma", CodecID.pcma)])
    func nodes(name: String, codec: CodecID) throws {
        let encoder: any MediaNode = name == "pcmu" ? PCMUEncoder(parameters: try params(PCMUEncoder.self))
                                                    : PCMAEncoder(parameters: try params(PCMAEncoder.self))
        let h = try NodeHarness(encoder, inputs: [.mono16(8000)])
        #expect(h.negotiatedOutput == .encoded(codec: codec, clockRate: 8000, channels: 1))
        try h.push(.sine(hz: 1000, duration: .milliseconds(60), sampleRate: 8000))
        let frames = h.outputs
        #expect(frames.map(\.bytes.count) == [160, 160, 160])
        #expect(frames.map(\.timestamp.sample) == [0, 160, 320])
        try h.finish()
    }

    /// 1004 Hz (not 1000 Hz) so the samples do not repeat every 8 and the quantization error
    /// is noise-like: G.711 then gives its textbook ~37 dB at any level in its range.
    @Test("a 1004 Hz tone survives the round trip with ≥ 36 dB SNR at -3, -6 and -12 dBFS",
          arguments: ["pcmu", "pcma"], [-3.0, -6.0, -12.0])
    func roundTripSNR(name: String, level: Double) throws {
        let registry = try NodeRegistry(plugins: [G711Plugin.self])
        let h = try NodeHarness(pipeline: "\(name)-encoder ! \(name)-decoder", registry: registry, inputs: [.mono16(8000)])
        let tone = Signal.sine(hz: 1004, duration: .seconds(2), sampleRate: 8000, level: level)
        try h.push(tone)
        let output = h.outputSamples()
        #expect(output.count == tone.samples.count)
        let snr = AudioCheck.snr(reference: tone.samples, test: output)
        #expect(snr >= 36, "SNR \(snr) dB")
        try h.finish()
    }

    @Test("a missing frame decodes to silence of its duration, flagged concealed")
    func missingFrame() throws {
        let h = try NodeHarness(PCMUDecoder(parameters: try params(PCMUDecoder.self)),
                                inputs: [.encoded(codec: .pcmu, clockRate: 8000, channels: 1)])
        try h.push(bytes: [], sampleCount: 160, flags: .missing)
        let frame = try #require(h.outputs.first)
        #expect(frame.samples == [Int16](repeating: 0, count: 160))
        #expect(frame.flags.contains(.concealed) && !frame.flags.contains(.missing))
        try h.finish()
    }
}

func params<T: MediaNode>(_ type: T.Type, _ values: [String: ParameterValue] = [:]) throws -> NodeParameters {
    try NodeParameters(for: T.descriptor, values)
}

func findExecutable(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

@Suite("G.711 packet-loss concealment")
struct G711ConcealmentTests {
    let registry = try! NodeRegistry(plugins: [G711Plugin.self])

    /// Decodes `frames` µ-law frames of a 200 Hz-pitched signal, with the frames in `lost` missing.
    func decode(lost: Set<Int>, frames: Int = 20) throws -> (out: [Int16], reference: [Int16]) {
        let signal = Signal.sine(hz: 200, duration: .milliseconds(20 * frames), sampleRate: 8_000, level: -12)
        var coded = [UInt8](repeating: 0, count: signal.samples.count)
        signal.samples.withUnsafeBufferPointer { G711.encodeMuLaw($0.baseAddress!, into: &coded, count: coded.count) }
        let h = try NodeHarness(pipeline: "pcmu-decoder", registry: registry, inputs: [.encoded(codec: .pcmu, clockRate: 8_000, channels: 1)])
        for i in 0..<frames {
            if lost.contains(i) {
                try h.push(bytes: [], sampleCount: 160, flags: [.missing])
            } else {
                try h.push(bytes: Array(coded[(i * 160)..<((i + 1) * 160)]), sampleCount: 160)
            }
        }
        var reference = [Int16](repeating: 0, count: coded.count)
        coded.withUnsafeBufferPointer { G711.decodeMuLaw($0.baseAddress!, into: &reference, count: reference.count) }
        let out = h.outputSamples()
        _ = h.outputs
        try h.finish()
        return (out, reference)
    }

    @Test("a lost 20 ms frame of voiced sound is rebuilt from the previous pitch period")
    func shortLoss() throws {
        let (out, reference) = try decode(lost: [10])
        #expect(out.count == reference.count, "concealment keeps the length")
        let segment = 1_600..<1_760
        let snr = AudioCheck.snr(reference: Array(reference[segment]), test: Array(out[segment]))
        #expect(snr > 10, "concealed frame against the lost one: \(snr) dB")
        #expect(Array(out[0..<1_600]) == Array(reference[0..<1_600]), "audio before the loss is untouched")
    }

    @Test("a long loss fades to silence within 60 ms instead of buzzing")
    func longLoss() throws {
        let (out, _) = try decode(lost: Set(5..<12))
        let afterFade = out[(5 * 160 + 480)..<(12 * 160)]
        #expect(afterFade.allSatisfy { $0 == 0 })
        let start = out[(5 * 160)..<(5 * 160 + 80)]
        #expect(start.map { abs(Int($0)) }.max() ?? 0 > 1_000, "the first 10 ms play at full level")
    }

    @Test("with nothing heard yet, a missing frame is silence")
    func nothingToRepeat() throws {
        let (out, _) = try decode(lost: [0], frames: 2)
        #expect(out.prefix(160).allSatisfy { $0 == 0 })
    }
}
