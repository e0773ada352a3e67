import DTMF
import G711
import MediaCore
import MediaTesting
import Testing

@Suite("In-band DTMF")
struct DTMFTests {
    let registry = try! NodeRegistry(plugins: [DTMFPlugin.self, G711Plugin.self])

    /// Runs `pipeline` (a source chain ending in dtmf-detector) and returns the detected keys.
    func detected(_ pipeline: String) throws -> [(key: Character, start: Double, duration: Double)] {
        let graph = try PipelineCompilerShim.build(pipeline, registry: registry)
        let log = MessageCollector()
        graph.setMessageHandler { log.append($0) }
        _ = try graph.run(clock: VirtualClock())
        return log.messages.compactMap { message in
            guard message.node.hasPrefix("dtmf-detector"), case .dtmf(let digit, let at, let duration) = message.event else { return nil }
            return (digit.character, at?.seconds ?? -1, duration.map { Double($0.components.attoseconds) / 1e18 + Double($0.components.seconds) } ?? -1)
        }
    }

    @Test("every key survives a G.711 round trip, once each, in order", arguments: ["pcmu", "pcma"])
    func allKeys(codec: String) throws {
        let keys = try detected("dtmf-tone digits=0123456789*#ABCD ! \(codec)-encoder ! \(codec)-decoder ! dtmf-detector")
        #expect(String(keys.map(\.key)) == "0123456789*#ABCD")
        for (i, key) in keys.enumerated() {
            #expect(abs(key.start - Double(i) * 0.2) < 0.03, "key \(key.key) starts at \(key.start)")
            #expect(abs(key.duration - 0.1) < 0.03, "key \(key.key) lasts \(key.duration)")
        }
    }

    @Test("40 ms tones with 40 ms gaps are detected; 20 ms blips are not")
    func timing() throws {
        #expect(String(try detected("dtmf-tone digits=159 tone=40ms gap=40ms ! dtmf-detector").map(\.key)) == "159")
        #expect(try detected("dtmf-tone digits=159 tone=20ms gap=60ms ! dtmf-detector").isEmpty)
    }

    @Test("weak tones below the threshold are ignored")
    func level() throws {
        #expect(try detected("dtmf-tone digits=5 level=-40dB ! dtmf-detector").isEmpty)
        #expect(try detected("dtmf-tone digits=5 level=-30dB ! dtmf-detector").map(\.key) == ["5"])
    }

    @Test("speech does not produce keys")
    func speech() throws {
        let spoken = try Speech.say("one two three four five six seven eight nine zero", voice: "kal")
        let h = try NodeHarness(pipeline: "dtmf-detector", registry: registry, inputs: [spoken.format])
        try h.push(spoken)
        #expect(h.postedMessages.isEmpty)
        _ = h.outputs
        try h.finish()
    }

    @Test("keys typed at run time are played and detected")
    func typedKeys() throws {
        let graph = try PipelineCompilerShim.build("dtmf-tone name=keys ! dtmf-detector", registry: registry)
        let log = MessageCollector()
        graph.setMessageHandler { log.append($0) }
        try graph.start()
        #expect(graph.send(.text("42#"), to: "keys"))
        for _ in 0..<100 { try graph.step() }
        try graph.finish()
        let keys = log.messages.filter { $0.node == "dtmf-detector" }.compactMap { message -> Character? in
            if case .dtmf(let digit, _, _) = message.event { return digit.character }
            return nil
        }
        #expect(String(keys) == "42#")
    }

    @Test("an unknown key is a configuration error naming it")
    func badDigit() {
        #expect(throws: (any Error).self) { try PipelineCompilerShim.build("dtmf-tone digits=12x ! dtmf-detector", registry: registry) }
    }
}

final class MessageCollector: @unchecked Sendable {
    private var items: [GraphMessage] = []
    private let lock = NSLockShim()
    func append(_ message: GraphMessage) { lock.locked { items.append(message) } }
    var messages: [GraphMessage] { lock.locked { items } }
}
