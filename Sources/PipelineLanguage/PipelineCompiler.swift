public import MediaCore

/// Text to graph in one call: parse, resolve names, validate against the registry, negotiate.
///
/// ```
/// let compiler = PipelineCompiler(registry: registry)
/// let plan = try compiler.plan("sine freq=1000 ! pcmu-encoder ! pcmu-decoder ! null-sink")
/// let graph = try plan.makeGraph()
/// ```
public struct PipelineCompiler {
    /// The node types available.
    public var registry: NodeRegistry
    /// What fills each `@slot` (keyed `@encoder`, …); unbound slots stay open in the plan.
    public var slots: [String: SlotBinding]
    /// Whether nodes may open the devices they name while planning; false for a static check.
    public var probesDevices: Bool

    /// Creates a compiler.
    public init(registry: NodeRegistry, slots: [String: SlotBinding] = [:], probesDevices: Bool = true) {
        self.registry = registry
        self.slots = slots
        self.probesDevices = probesDevices
    }

    /// Parses and plans `text`.
    /// - Parameter file: the name for diagnostics (`<pipeline>` for inline text).
    /// - Throws: ``GraphBuildError`` with every `FILE:LINE:COL: error:` found.
    public func plan(_ text: String, file: String = "<pipeline>") throws(GraphBuildError) -> GraphPlan {
        let ast: PipelineAST
        do {
            ast = try Parser.parse(text, file: file)
        } catch {
            throw GraphBuildError([error.diagnostic])
        }
        if ast.chains.isEmpty {
            throw GraphBuildError([Diagnostic(at: SourceLocation(file: file, line: 1, column: 1),
                                              "the pipeline is empty; write e.g. `sine ! null-sink`")])
        }
        let spec = try ast.lower(extraSlots: Set(slots.keys.map { String($0.dropFirst()) }))
        return try GraphBuilder(registry: registry, slots: slots, probesDevices: probesDevices).plan(spec)
    }

    /// Parses, plans and builds a runnable graph from `text`.
    public func build(_ text: String, file: String = "<pipeline>",
                      period: Duration = .milliseconds(20)) throws(GraphBuildError) -> Graph {
        try plan(text, file: file).makeGraph(period: period)
    }
}
