import MediaCore
import Testing

@Suite("Graph profiling")
struct GraphProfilerTests {
    func graph() throws -> Graph {
        var spec = GraphSpec()
        let source = spec.add(.init(type: "ramp", parameters: ["rate": .int(8_000), "samples": .int(8_000)]))
        let output = spec.add(.init(type: "@sink"))
        spec.link(source, to: output)
        return try GraphBuilder(registry: try testRegistry(), slots: ["@sink": .instance(RecordingSink())]).build(spec)
    }

    @Test("off by default: no profile")
    func offByDefault() throws {
        let g = try graph()
        _ = try g.run(clock: VirtualClock())
        #expect(g.profile.isEmpty)
    }

    @Test("counts every call each node receives and keeps exclusive times within the run")
    func counts() throws {
        let g = try graph()
        g.enableProfiling()
        let report = try g.run(clock: VirtualClock())
        let profile = g.profile
        #expect(profile.map(\.type) == ["ramp", "@sink"])
        // 1 s of 8 kHz in 20 ms frames: 50 produce calls that push, then one that ends the
        // stream; the sink gets 50 frames and the end-of-stream event.
        #expect(profile[0].calls == 51)
        #expect(profile[1].calls == 51)
        #expect(profile.allSatisfy { $0.exclusiveTime >= .zero })
        let total = profile.map(\.exclusiveTime).reduce(.zero, +)
        #expect(total <= report.wallTime, "exclusive times \(total) add up to at most the run's \(report.wallTime)")
    }
}
