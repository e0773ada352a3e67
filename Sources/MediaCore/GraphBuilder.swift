/// Turns a ``GraphSpec`` into a ``GraphPlan``: creates nodes, assigns ports, orders the graph,
/// and negotiates formats link by link, upstream to downstream.
///
/// Every problem becomes a ``Diagnostic`` at the place it was written; a format mismatch names
/// both nodes and both formats:
/// ```
/// x.pipeline:1:23: error: format mismatch: sine (1:1) produces PCM 16000 Hz mono s16,
///   but pcmu-encoder accepts PCM 8000 Hz mono s16; put `resample` between them
/// ```
public struct GraphBuilder {
    /// The node types available.
    public var registry: NodeRegistry
    /// What fills each `@slot`, keyed by slot name with its `@`.
    public var slots: [String: SlotBinding]
    /// Whether nodes may open the devices they name while the graph is planned (see
    /// ``NodeParameters/probesDevices``); a static check sets it false.
    public var probesDevices: Bool

    /// Creates a builder.
    public init(registry: NodeRegistry, slots: [String: SlotBinding] = [:], probesDevices: Bool = true) {
        self.registry = registry
        self.slots = slots
        self.probesDevices = probesDevices
    }

    /// Plans `spec` without running anything.
    /// - Throws: ``GraphBuildError`` with every error found.
    public func plan(_ spec: GraphSpec) throws(GraphBuildError) -> GraphPlan {
        var state = PlanState(spec: spec)
        state.instantiate(registry: registry, slots: slots, probesDevices: probesDevices)
        state.assignPorts()
        state.checkUnlinked()
        guard !state.hasErrors else { throw GraphBuildError(state.diagnostics.sorted(by: Self.sourceOrder)) }
        state.sortTopologically()
        guard !state.hasErrors else { throw GraphBuildError(state.diagnostics.sorted(by: Self.sourceOrder)) }
        state.negotiate()
        guard !state.hasErrors else { throw GraphBuildError(state.diagnostics.sorted(by: Self.sourceOrder)) }
        return state.makePlan()
    }

    /// Plans and builds a runnable graph.
    public func build(_ spec: GraphSpec, period: Duration = .milliseconds(20)) throws(GraphBuildError) -> Graph {
        try plan(spec).makeGraph(period: period)
    }

    static func sourceOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        switch (a.location, b.location) {
        case let (x?, y?): (x.line, x.column) < (y.line, y.column)
        case (nil, _?): false
        case (_?, nil): true
        case (nil, nil): false
        }
    }
}

/// The working state of one planning pass.
private struct PlanState {
    struct Entry {
        var spec: GraphSpec.Node
        var name: String
        var instance: (any MediaNode)?
        var descriptor: NodeDescriptor
        var parameters: NodeParameters?
        var inputs: [Int: Int] = [:]          // input port → link
        var outputs: [Int: [Int]] = [:]       // output port → links
        var requestInputs = 0
        var requestOutputs = 0
        var inputFormats: [MediaFormat?] = []
        var outputFormats: [MediaFormat?] = []
        var failed = false
        var neighbourFailed = false
    }

    struct ResolvedLink {
        var from: (node: Int, port: Int)
        var to: (node: Int, port: Int)
        var location: SourceLocation?
        var valid = true
    }

    let spec: GraphSpec
    var entries: [Entry] = []
    var links: [ResolvedLink] = []
    var order: [Int] = []
    var diagnostics: [Diagnostic] = []

    init(spec: GraphSpec) { self.spec = spec }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ location: SourceLocation?, _ message: String) {
        diagnostics.append(Diagnostic(at: location, message))
    }

    /// `sine (1:1)`: the diagnostic line already names the file.
    func label(_ i: Int) -> String {
        let entry = entries[i]
        guard let location = entry.spec.location else { return entry.name }
        return "\(entry.name) (\(location.line):\(location.column))"
    }

    // MARK: Instantiation

    mutating func instantiate(registry: NodeRegistry, slots: [String: SlotBinding], probesDevices: Bool) {
        var typeCounts: [String: Int] = [:]
        for node in spec.nodes where node.name == nil { typeCounts[node.type, default: 0] += 1 }
        var seen: [String: Int] = [:]
        var explicitNames: [String: SourceLocation?] = [:]
        for node in spec.nodes {
            let name: String
            if let given = node.name {
                if let previous = explicitNames[given] {
                    error(node.location, "name '\(given)' is already used by the node at \(previous.map(\.description) ?? "another place")")
                }
                explicitNames[given] = node.location
                name = given
            } else if typeCounts[node.type, default: 0] > 1 {
                seen[node.type, default: 0] += 1
                name = "\(node.type)#\(seen[node.type]!)"
            } else {
                name = node.type
            }
            var entry = Entry(spec: node, name: name, instance: nil, descriptor: Self.slotDescriptor(node.type))
            if node.isSlot {
                switch slots[node.type] {
                case .instance(let instance)?:
                    entry.instance = instance
                    entry.descriptor = type(of: instance).descriptor
                case .node(let typeName, let parameters)?:
                    create(&entry, typeName: typeName, parameters: parameters, registry: registry, probesDevices: probesDevices)
                case nil:
                    break
                }
            } else {
                create(&entry, typeName: node.type, parameters: node.parameters, registry: registry, probesDevices: probesDevices)
            }
            entries.append(entry)
        }
    }

    private mutating func create(_ entry: inout Entry, typeName: String, parameters: [String: ParameterValue],
                                 registry: NodeRegistry, probesDevices: Bool) {
        let location = entry.spec.location
        guard let type = registry.type(named: typeName) else {
            let hint = registry.suggestion(for: typeName).map { " (did you mean '\($0)'?)" } ?? ""
            error(location, "unknown node type '\(typeName)'\(hint)")
            entry.failed = true
            return
        }
        entry.descriptor = type.descriptor
        do {
            var validated = try NodeParameters(for: type.descriptor, parameters)
            validated.probesDevices = probesDevices
            entry.parameters = validated
            entry.instance = try type.init(parameters: validated)
        } catch let issue as NodeParameterIssue {
            let where_ = Self.parameterName(issue).flatMap { entry.spec.parameterLocations[$0] } ?? location
            error(where_, "\(typeName): \(issue.message)")
            entry.failed = true
        } catch let nodeError as NodeError {
            error(location, "\(typeName): \(nodeError.message)")
            entry.failed = true
        } catch {
            self.error(location, "\(typeName): \(error)")
            entry.failed = true
        }
    }

    private static func parameterName(_ issue: NodeParameterIssue) -> String? {
        switch issue {
        case .unknown(let name, _), .invalid(let name, _), .missing(let name): name
        }
    }

    /// The shape of a slot before the endpoint fills it: one optional input, one optional output.
    static func slotDescriptor(_ name: String) -> NodeDescriptor {
        // The RTP slots have the ports of the nodes a call puts there (rtp-sender, rtp-receiver):
        // RFC 4733 events travel on their second port.
        let events = [PortSpec("events", .any, presence: .optional)]
        return NodeDescriptor(name: name, category: .routing, summary: "Filled in by the call from the negotiated SDP.",
                              inputs: [PortSpec("sink", .any, presence: .optional)] + (name == "@rtp-out" ? events : []),
                              outputs: [PortSpec("src", .any, presence: .optional)] + (name == "@rtp-in" ? events : []))
    }

    // MARK: Ports

    mutating func assignPorts() {
        for link in spec.links {
            let fromNode = link.from.node, toNode = link.to.node
            guard !entries[fromNode].failed, !entries[toNode].failed else {
                // Don't pile "not linked" errors on the neighbours of a node that failed.
                entries[fromNode].neighbourFailed = true
                entries[toNode].neighbourFailed = true
                continue
            }
            let index = links.count
            guard let out = allocate(node: fromNode, name: link.from.port, output: true, link: index, location: link.location),
                  let into = allocate(node: toNode, name: link.to.port, output: false, link: index, location: link.location)
            else { continue }
            links.append(ResolvedLink(from: (fromNode, out), to: (toNode, into), location: link.location))
        }
    }

    private mutating func allocate(node: Int, name: String?, output: Bool, link: Int,
                                   location: SourceLocation?) -> Int? {
        let ports = output ? entries[node].descriptor.outputs : entries[node].descriptor.inputs
        let fixed = ports.filter { $0.presence != .request }
        let request = ports.first { $0.presence == .request }
        let used: Set<Int> = output ? Set(entries[node].outputs.keys) : Set(entries[node].inputs.keys)
        let direction = output ? "output" : "input"
        var index: Int?
        if let name {
            if let fixedIndex = fixed.firstIndex(where: { $0.name == name }) {
                if used.contains(fixedIndex) {
                    error(location, "\(label(node)): \(direction) '\(name)' is already linked")
                    return nil
                }
                index = fixedIndex
            } else if let request, name == request.name || name.hasPrefix(request.name + "_") {
                index = nil  // allocate the next request port below
            } else {
                let names = fixed.map(\.name) + (request.map { ["\($0.name)_N"] } ?? [])
                let hint = Suggestion.closest(to: name, in: names).map { " (did you mean '\($0)'?)" } ?? ""
                error(location, "\(label(node)) has no \(direction) named '\(name)'\(hint); its \(direction)s are \(names.isEmpty ? "none" : names.joined(separator: ", "))")
                return nil
            }
        } else {
            index = fixed.indices.first { !used.contains($0) }
        }
        if index == nil {
            guard request != nil else {
                let count = fixed.count
                let what = count == 0 ? "no \(direction)s" : "only \(count) \(direction)\(count == 1 ? "" : "s")"
                let hint = output ? "; use a `tee` to feed several nodes" : (count == 0 ? "; it is a source" : "; use a `mixer` to combine several streams")
                error(location, "\(label(node)) has \(what)\(hint)")
                return nil
            }
            if output {
                index = fixed.count + entries[node].requestOutputs
                entries[node].requestOutputs += 1
            } else {
                index = fixed.count + entries[node].requestInputs
                entries[node].requestInputs += 1
            }
        }
        if output {
            entries[node].outputs[index!, default: []].append(link)
        } else {
            entries[node].inputs[index!] = link
        }
        return index
    }

    func portCount(_ node: Int, output: Bool) -> Int {
        let ports = output ? entries[node].descriptor.outputs : entries[node].descriptor.inputs
        let fixed = ports.filter { $0.presence != .request }.count
        return fixed + (output ? entries[node].requestOutputs : entries[node].requestInputs)
    }

    func portName(_ node: Int, _ index: Int, output: Bool) -> String {
        let ports = output ? entries[node].descriptor.outputs : entries[node].descriptor.inputs
        let fixed = ports.filter { $0.presence != .request }
        if index < fixed.count { return fixed[index].name }
        let request = ports.first { $0.presence == .request }!
        return "\(request.name)_\(index - fixed.count)"
    }

    mutating func checkUnlinked() {
        for i in entries.indices where !entries[i].failed && !entries[i].neighbourFailed {
            let descriptor = entries[i].descriptor
            for (output, ports) in [(false, descriptor.inputs), (true, descriptor.outputs)] {
                let fixed = ports.filter { $0.presence != .request }
                let linked: Set<Int> = output ? Set(entries[i].outputs.keys) : Set(entries[i].inputs.keys)
                for (index, port) in fixed.enumerated() where port.presence == .always && !linked.contains(index) {
                    let hint = output ? "; end the chain with a sink such as `null-sink`"
                                      : "; feed it from a source such as `sine` or `wav-player`"
                    error(entries[i].spec.location,
                          "\(entries[i].name): \(output ? "output" : "input") '\(port.name)' is not linked\(hint)")
                }
                if fixed.isEmpty, let request = ports.first(where: { $0.presence == .request }), linked.isEmpty {
                    _ = request
                    error(entries[i].spec.location,
                          "\(entries[i].name) has no \(output ? "outputs" : "inputs") linked; link it with `\(entries[i].name).`")
                }
            }
        }
    }

    // MARK: Order

    mutating func sortTopologically() {
        var indegree = [Int](repeating: 0, count: entries.count)
        var next = [[Int]](repeating: [], count: entries.count)
        for link in links {
            indegree[link.to.node] += 1
            next[link.from.node].append(link.to.node)
        }
        var ready = entries.indices.filter { indegree[$0] == 0 }
        while !ready.isEmpty {
            ready.sort()
            let node = ready.removeFirst()
            order.append(node)
            for target in next[node] {
                indegree[target] -= 1
                if indegree[target] == 0 { ready.append(target) }
            }
        }
        if order.count < entries.count {
            let inLoop = entries.indices.filter { indegree[$0] > 0 }
            error(entries[inLoop[0]].spec.location,
                  "the pipeline has a loop through \(inLoop.map { entries[$0].name }.joined(separator: ", ")); media must flow one way")
        }
    }

    // MARK: Negotiation

    func accepted(_ node: Int, input port: Int) -> FormatConstraint {
        guard let instance = entries[node].instance else { return .any }
        var constraint = instance.acceptedFormats(forInput: port)
        if entries[node].descriptor.formatRule == .passthrough {
            for (_, outLinks) in entries[node].outputs {
                for l in outLinks {
                    constraint = constraint.intersection(accepted(links[l].to.node, input: links[l].to.port))
                }
            }
        }
        return constraint
    }

    mutating func negotiate() {
        for node in order {
            let inputCount = portCount(node, output: false)
            let outputCount = portCount(node, output: true)
            var inputs = [MediaFormat?](repeating: nil, count: inputCount)
            var known = true
            for port in 0..<inputCount {
                guard let l = entries[node].inputs[port] else { continue }
                let upstream = links[l].from
                guard let format = entries[upstream.node].outputFormats[upstream.port] else {
                    known = false
                    continue
                }
                inputs[port] = format
                guard let instance = entries[node].instance else { continue }
                let accepts = instance.acceptedFormats(forInput: port)
                if !accepts.contains(format) {
                    error(entries[node].spec.location ?? links[l].location,
                          mismatch(upstream: upstream.node, produces: format, downstream: node, accepts: accepts))
                    known = false
                }
            }
            entries[node].inputFormats = inputs
            entries[node].outputFormats = [MediaFormat?](repeating: nil, count: outputCount)
            guard known, let instance = entries[node].instance else { continue }
            let downstream = (0..<outputCount).map { port -> FormatConstraint in
                var constraint = FormatConstraint.any
                for l in entries[node].outputs[port] ?? [] {
                    constraint = constraint.intersection(accepted(links[l].to.node, input: links[l].to.port))
                }
                return constraint
            }
            let presentInputs = inputs.compactMap { $0 }
            do {
                let linked = (0..<outputCount).map { entries[node].outputs[$0] != nil }
                let outputs = try instance.negotiate(FormatNegotiation(inputs: presentInputs, downstream: downstream, linked: linked))
                guard outputs.count == outputCount else {
                    error(entries[node].spec.location,
                          "\(entries[node].name) produced \(outputs.count) output formats for \(outputCount) outputs")
                    continue
                }
                entries[node].outputFormats = outputs
            } catch {
                self.error(entries[node].spec.location, "\(entries[node].name): \(error.message)")
            }
        }
    }

    func mismatch(upstream: Int, produces: MediaFormat, downstream: Int, accepts: FormatConstraint) -> String {
        var text = "format mismatch: \(label(upstream)) produces \(produces), but \(entries[downstream].name) accepts \(accepts)"
        if case .pcm(let rate, let channels, _) = produces,
           let wanted = accepts.fixate(preferring: produces), case .pcm(let wantedRate, let wantedChannels, _) = wanted {
            if wantedRate != rate && wantedChannels == channels {
                text += "; put `resample rate=\(wantedRate)` between them"
            } else if wantedChannels != channels {
                text += "; the channel counts differ (\(channels) vs \(wantedChannels))"
            }
        } else if !produces.isPCM, accepts.fixate()?.isPCM == true {
            text += "; decode the stream first"
        } else if produces.isPCM, accepts.fixate().map({ !$0.isPCM }) == true {
            text += "; it expects encoded frames, so put an encoder before it"
        }
        return text
    }

    // MARK: Result

    func makePlan() -> GraphPlan {
        var position = [Int](repeating: 0, count: entries.count)
        for (rank, node) in order.enumerated() { position[node] = rank }
        let nodes = order.map { i in
            GraphPlan.Node(
                name: entries[i].name, type: entries[i].spec.type, location: entries[i].spec.location,
                instance: entries[i].instance, descriptor: entries[i].descriptor, parameters: entries[i].parameters,
                inputNames: (0..<portCount(i, output: false)).map { portName(i, $0, output: false) },
                outputNames: (0..<portCount(i, output: true)).map { portName(i, $0, output: true) },
                inputFormats: entries[i].inputFormats, outputFormats: entries[i].outputFormats)
        }
        let planLinks = links.map { link in
            GraphPlan.Link(from: (position[link.from.node], link.from.port), to: (position[link.to.node], link.to.port),
                           format: entries[link.from.node].outputFormats[link.from.port], location: link.location)
        }
        return GraphPlan(nodes: nodes, links: planLinks, warnings: diagnostics.filter { $0.severity != .error })
    }
}
