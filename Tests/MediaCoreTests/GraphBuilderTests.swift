import MediaCore
import Testing

@Suite("Graph builder")
struct GraphBuilderTests {
    func plan(_ build: (inout GraphSpec) -> Void, slots: [String: SlotBinding] = [:]) throws -> GraphPlan {
        var spec = GraphSpec()
        build(&spec)
        return try GraphBuilder(registry: try testRegistry(), slots: slots).plan(spec)
    }

    func errors(_ build: (inout GraphSpec) -> Void) throws -> [String] {
        do {
            _ = try plan(build)
            return []
        } catch {
            return (error as? GraphBuildError)?.diagnostics.map(\.message) ?? ["\(error)"]
        }
    }

    @Test("request ports are numbered per link and named NAME_N")
    func requestPorts() throws {
        let result = try plan { spec in
            let source = spec.add(.init(type: "ramp"))
            let tee = spec.add(.init(type: "test-tee", name: "t"))
            let a = spec.add(.init(type: "recording-sink"))
            let b = spec.add(.init(type: "recording-sink"))
            spec.link(source, to: tee)
            spec.link(tee, to: a)
            spec.link(tee, to: b)
        }
        let tee = try #require(result.nodes.first { $0.name == "t" })
        #expect(tee.outputNames == ["src_0", "src_1"])
        #expect(tee.outputFormats == [.mono16(8000), .mono16(8000)])
        #expect(result.nodes.map(\.name).contains("recording-sink#2"), "duplicate types get numbered names")
    }

    @Test("an unlinked mandatory output is an error that suggests a sink")
    func unlinkedOutput() throws {
        let messages = try errors { spec in spec.add(.init(type: "ramp")) }
        #expect(messages == ["ramp: output 'src' is not linked; end the chain with a sink such as `null-sink`"])
    }

    @Test("linking into a source is refused")
    func linkIntoSource() throws {
        let messages = try errors { spec in
            let a = spec.add(.init(type: "ramp"))
            let b = spec.add(.init(type: "ramp", name: "second"))
            spec.link(a, to: b)
        }
        #expect(messages.contains { $0.contains("second has no inputs; it is a source") })
    }

    @Test("loops are rejected")
    func loops() throws {
        let messages = try errors { spec in
            let a = spec.add(.init(type: "narrow", name: "a"))
            let b = spec.add(.init(type: "narrow", name: "b"))
            spec.link(a, to: b)
            spec.link(b, to: a)
        }
        #expect(messages.count == 1)
        #expect(messages[0].hasPrefix("the pipeline has a loop through a, b"))
    }

    @Test("a format mismatch names both nodes and both formats")
    func mismatch() throws {
        let messages = try errors { spec in
            let source = spec.add(.init(type: "ramp", parameters: ["rate": .int(16000)],
                                        location: SourceLocation(file: "x", line: 1, column: 1)))
            let narrow = spec.add(.init(type: "narrow", location: SourceLocation(file: "x", line: 1, column: 20)))
            let sink = spec.add(.init(type: "recording-sink"))
            spec.link(source, to: narrow)
            spec.link(narrow, to: sink)
        }
        #expect(messages == ["format mismatch: ramp (1:1) produces PCM 16000 Hz mono s16, but narrow accepts "
                             + "PCM 8000 Hz mono s16; put `resample rate=8000` between them"])
    }

    @Test("a converter sees what downstream accepts, through pass-through nodes")
    func fixationThroughPassthrough() throws {
        let converter = AnyRateConverter(parameters: try NodeParameters(for: AnyRateConverter.descriptor))
        let result = try plan({ spec in
            let source = spec.add(.init(type: "ramp", parameters: ["rate": .int(48000)]))
            let convert = spec.add(.init(type: "@convert"))
            let tee = spec.add(.init(type: "test-tee"))
            let narrow = spec.add(.init(type: "narrow"))
            let sink = spec.add(.init(type: "recording-sink"))
            spec.link(source, to: convert)
            spec.link(convert, to: tee)
            spec.link(tee, to: narrow)
            spec.link(narrow, to: sink)
        }, slots: ["@convert": .instance(converter)])
        #expect(converter.chosen == .mono16(8000))
        #expect(result.isRunnable)
    }

    @Test("an unbound slot leaves downstream formats open, and the plan is not runnable")
    func unboundSlot() throws {
        let result = try plan { spec in
            let slot = spec.add(.init(type: "@rtp-in"))
            let sink = spec.add(.init(type: "recording-sink"))
            spec.link(slot, to: sink)
        }
        #expect(result.unboundSlots == ["@rtp-in"])
        #expect(!result.isRunnable)
        #expect(result.links[0].format == nil)
        #expect(throws: GraphBuildError.self) { try result.makeGraph() }
    }

    @Test("parameters are validated with their location and a suggestion")
    func parameterErrors() throws {
        var spec = GraphSpec()
        let location = SourceLocation(file: "f", line: 2, column: 7)
        let source = spec.add(.init(type: "ramp", parameters: ["rat": .int(1)], parameterLocations: ["rat": location]))
        let sink = spec.add(.init(type: "recording-sink"))
        spec.link(source, to: sink)
        #expect {
            try GraphBuilder(registry: try testRegistry()).plan(spec)
        } throws: { error in
            let diagnostics = (error as? GraphBuildError)?.diagnostics ?? []
            return diagnostics.count == 1 && diagnostics[0].location == location
                && diagnostics[0].message == "ramp: unknown parameter 'rat' (did you mean 'rate'?)"
        }
    }

    @Test("duplicate node type names in a registry are refused")
    func registryClash() throws {
        enum Again: MediaPlugin {
            static let name = "again"
            static let nodeTypes: [any MediaNode.Type] = [RampSource.self]
        }
        #expect(throws: RegistryError.self) { try NodeRegistry(plugins: [TestPlugin.self, Again.self]) }
    }
}
