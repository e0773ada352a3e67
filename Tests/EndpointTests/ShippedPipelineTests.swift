import CallMedia
import CallwireBuiltins
import Endpoint
import Foundation
import Testing

/// `pipelines/call-*.pipeline` are what the media flags choose, kept in step with
/// ``ShippedPipelines`` (the files are documentation a user copies; the code is what runs).
@Suite("Shipped call pipelines")
struct ShippedPipelineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func options(_ configure: (inout CallerOptions) -> Void) -> CallerOptions {
        var options = CallerOptions()
        configure(&options)
        return options
    }

    static let cases: [(file: String, options: CallerOptions)] = [
        ("call-default", options { _ in }),
        ("call-no-audio", options { $0.audio = false }),
        ("call-loopback", options { $0.audioLoopback = true }),
        ("call-transcribe", options {
            $0.audio = false
            $0.recognize = true
            $0.record = "calls/call.wav"
        }),
    ]

    @Test("each file holds the pipeline its flags choose, after its two header lines", arguments: cases.map(\.file))
    func filesMatch(file: String) throws {
        let options = try #require(Self.cases.first { $0.file == file }?.options)
        let text = try String(contentsOf: Self.root.appendingPathComponent("pipelines/\(file).pipeline"), encoding: .utf8)
        let body = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).joined(separator: "\n")
        #expect(body == ShippedPipelines.text(for: options) + "\n")
    }

    @Test("the pipelines without a sound card plan with every codec slot open, and offer DTMF")
    func plan() throws {
        for (file, options) in Self.cases where file != "call-default" {
            let pipeline = try CallPipeline(text: ShippedPipelines.text(for: options), file: file, registry: BuiltinPlugins.registry())
            #expect(pipeline.capabilities().map(\.description).contains("PCMU/8000"), "\(file)")
            #expect(pipeline.handlesDTMF, "\(file)")
        }
    }
}
