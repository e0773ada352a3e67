public import MediaCore

/// The slots an endpoint fills from the negotiated SDP (DESIGN.md §3).
public enum PipelineSlot: String, CaseIterable, Sendable {
    /// Received RTP: a source of encoded frames.
    case rtpIn = "rtp-in"
    /// RTP to send: a sink of encoded frames.
    case rtpOut = "rtp-out"
    /// The negotiated codec's encoder.
    case encoder
    /// The negotiated codec's decoder.
    case decoder
    /// The call's RTP socket, a sink of RTP packets: `@rtp-out ! impair loss=3% ! @network`
    /// puts a bad network between the sender and the wire.
    case network
}

extension PipelineAST {
    /// Resolves names and references into a ``GraphSpec``.
    ///
    /// `name=` is taken out of the parameters; a reference links to the named node's next free
    /// port (`t.`) or to a port by name (`t.src_1`). A chain like `a ! b ! c` becomes the links
    /// `a→b`, `b→c`.
    /// - Parameter extraSlots: slot names (without `@`) accepted besides the standard
    ///   ``PipelineSlot`` ones, for embedders and tests that bind their own.
    /// - Throws: ``GraphBuildError`` listing every unresolved reference or unknown slot.
    public func lower(extraSlots: Set<String> = []) throws(GraphBuildError) -> GraphSpec {
        var spec = GraphSpec()
        var diagnostics: [Diagnostic] = []
        var named: [String: Int] = [:]
        var elementNode: [[Int?]] = []

        // Pass 1: declare nodes, so references may point forward.
        for chain in chains {
            var row: [Int?] = []
            for element in chain.elements {
                switch element {
                case .node(let type, let properties, let location), .slot(let type, let properties, let location):
                    var isSlot = false
                    if case .slot = element { isSlot = true }
                    var node = GraphSpec.Node(type: isSlot ? "@" + type : type, location: location)
                    if isSlot, PipelineSlot(rawValue: type) == nil, !extraSlots.contains(type) {
                        let hint = Suggestion.closest(to: type, in: PipelineSlot.allCases.map(\.rawValue))
                            .map { " (did you mean '@\($0)'?)" } ?? ""
                        diagnostics.append(Diagnostic(at: location, "unknown slot '@\(type)'\(hint); slots are "
                            + PipelineSlot.allCases.map { "@\($0.rawValue)" }.joined(separator: ", ")))
                    }
                    for property in properties {
                        if property.key == "name" {
                            guard case .string(let name) = property.value, Lexer.isName(name) else {
                                diagnostics.append(Diagnostic(at: property.valueLocation,
                                                              "\(type): name must be a word such as `t` or `mix`"))
                                continue
                            }
                            if let previous = named[name] {
                                let at = spec.nodes[previous].location.map { " at \($0)" } ?? ""
                                diagnostics.append(Diagnostic(at: property.location,
                                                              "\(type): the name '\(name)' is already used\(at)"))
                            }
                            node.name = name
                            continue
                        }
                        if node.parameters[property.key] != nil {
                            diagnostics.append(Diagnostic(at: property.location,
                                                          "\(type): parameter '\(property.key)' is set twice"))
                        }
                        node.parameters[property.key] = property.value
                        node.parameterLocations[property.key] = property.valueLocation
                    }
                    let index = spec.add(node)
                    if let name = node.name, named[name] == nil { named[name] = index }
                    row.append(index)
                case .reference:
                    row.append(nil)
                }
            }
            elementNode.append(row)
        }

        // Pass 2: links.
        for (c, chain) in chains.enumerated() {
            func resolve(_ e: Int) -> (node: Int, port: String?)? {
                if let node = elementNode[c][e] { return (node, nil) }
                guard case .reference(let name, let port, let location) = chain.elements[e] else { return nil }
                guard let node = named[name] else {
                    let hint = Suggestion.closest(to: name, in: named.keys.sorted()).map { " (did you mean '\($0).'?)" } ?? ""
                    let known = named.isEmpty ? "no node has a name= yet" : "named nodes: " + named.keys.sorted().joined(separator: ", ")
                    diagnostics.append(Diagnostic(at: location, "no node is named '\(name)'\(hint); \(known)"))
                    return nil
                }
                return (node, port)
            }
            if chain.elements.count == 1, case .reference(let name, _, let location) = chain.elements[0] {
                diagnostics.append(Diagnostic(at: location, "the reference '\(name).' is not linked to anything"))
                _ = resolve(0)
                continue
            }
            var resolved: [(node: Int, port: String?)?] = []
            for e in chain.elements.indices { resolved.append(resolve(e)) }
            for e in chain.links.indices {
                guard let from = resolved[e], let to = resolved[e + 1] else { continue }
                spec.links.append(GraphSpec.Link(from: .init(node: from.node, port: from.port),
                                                 to: .init(node: to.node, port: to.port),
                                                 location: chain.links[e]))
            }
        }
        if !diagnostics.isEmpty { throw GraphBuildError(diagnostics) }
        return spec
    }
}
