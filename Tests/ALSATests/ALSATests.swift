import ALSA
import Foundation
import Generators
import MediaCore
import MediaTesting
import PipelineLanguage
import Testing

/// ALSA on hardware-free devices: a file-backed playback device, a capture device defined in a
/// configuration the test writes (reading a file as its microphone), and `default`, which does
/// not exist on a machine without a sound card.
@Suite("ALSA source and sink")
struct ALSATests {
    let registry = try! NodeRegistry(plugins: [ALSAPlugin.self, GeneratorsPlugin.self])
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("alsa-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func samples(_ path: String) -> [Int16] {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        return data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
    }

    @Test("alsa-sink plays into a file device, sample for sample")
    func sink() throws {
        let path = directory.appendingPathComponent("played.raw").path
        let graph = try PipelineCompiler(registry: registry)
            .build("sine freq=1000 rate=8000 duration=1s ! alsa-sink device=\"file:FILE=\(path),FORMAT=raw\"")
        let report = try graph.run(clock: VirtualClock())
        let played = samples(path)
        #expect(played == Signal.sine(hz: 1000, duration: .seconds(1), sampleRate: 8000, level: -3.14).samples)
        #expect(report.summaries.contains { $0.summary.hasPrefix("played 1.000 s of PCM 8000 Hz mono s16") })
    }

    @Test("alsa-source captures from a device defined in configuration text")
    func source() throws {
        let input = directory.appendingPathComponent("mic.raw").path
        let tone = Signal.sine(hz: 700, duration: .seconds(2), sampleRate: 16_000)
        try tone.samples.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: input))
        let config = "pcm.mic { type file slave { pcm { type null } } file \"/dev/null\" infile \"\(input)\" format \"raw\" }"
        let capture = Capture()
        let graph = try PipelineCompiler(registry: registry, slots: ["@capture": .instance(capture)])
            .build("alsa-source device=mic rate=16000 config='\(config)' ! @capture")
        _ = try graph.run(clock: VirtualClock(), limit: .milliseconds(1500))
        #expect(capture.samples.count == 24_000)
        #expect(Array(capture.samples.prefix(20_000)) == Array(tone.samples.prefix(20_000)))
    }

    @Test("a missing device fails at check time with one clear message")
    func missingDevice() {
        #expect {
            try PipelineCompiler(registry: registry).plan("sine rate=48000 ! alsa-sink device=default")
        } throws: { error in
            let text = String(describing: error)
            return text.contains("alsa-sink: cannot open audio device 'default' for playback")
                && text.contains("--no-audio") && text.contains("1:19: error:")
        }
        #expect {
            try PipelineCompiler(registry: registry).plan("alsa-source device=hw:7,0 ! null-sink")
        } throws: { error in
            String(describing: error).contains("cannot open audio device 'hw:7,0' for capture")
        }
    }

    final class Capture: MediaNode {
        static let descriptor = NodeDescriptor(name: "capture", category: .sink, summary: "", inputs: [PortSpec("sink", .any)])
        var samples: [Int16] = []
        init() {}
        init(parameters: NodeParameters) {}
        func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
            samples += frame.int16Samples
            return .ok
        }
    }
}
