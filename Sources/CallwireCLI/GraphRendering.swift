import MediaCore

/// Renders a planned graph as text or as Graphviz `dot` source.
enum GraphRendering {
    /// One line per node with its parameters, then one line per link with its format.
    static func text(_ plan: GraphPlan) -> String {
        var lines: [String] = ["nodes:"]
        let width = plan.nodes.map(\.name.count).max() ?? 0
        for node in plan.nodes {
            let pad = String(repeating: " ", count: width - node.name.count)
            let location = node.location.map { "  (\($0.line):\($0.column))" } ?? ""
            lines.append("  \(node.name)\(pad)  \(nodeLabel(node))\(location)")
        }
        lines.append("links:")
        for link in plan.links {
            let from = plan.nodes[link.from.node], to = plan.nodes[link.to.node]
            let format = link.format.map(\.description) ?? "negotiated by the call"
            lines.append("  \(from.name).\(from.outputNames[link.from.port]) → \(to.name).\(to.inputNames[link.to.port])  [\(format)]")
        }
        return lines.joined(separator: "\n")
    }

    /// Graphviz source: one box per node (dashed for call slots), edges labelled with formats.
    static func dot(_ plan: GraphPlan, title: String) -> String {
        var lines = ["digraph pipeline {",
                     "  graph [rankdir=LR, fontname=\"Helvetica\", label=\(quote(title)), labelloc=t];",
                     "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\", fontsize=11];",
                     "  edge [fontname=\"Helvetica\", fontsize=9];"]
        for (index, node) in plan.nodes.enumerated() {
            var label = node.name
            if node.name != node.type { label += "\\n" + node.type }
            let parameters = explicitParameters(node)
            if !parameters.isEmpty { label += "\\n" + parameters.joined(separator: "\\n") }
            let style = node.isUnboundSlot ? ", style=\"rounded,dashed\", fillcolor=\"#ffffff\"" : ""
            lines.append("  n\(index) [label=\(quote(label))\(style)];")
        }
        for link in plan.links {
            let label = link.format.map(\.description) ?? "from SDP"
            lines.append("  n\(link.from.node) -> n\(link.to.node) [label=\(quote(label))];")
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    static func nodeLabel(_ node: GraphPlan.Node) -> String {
        let parameters = explicitParameters(node)
        let type = node.name == node.type ? "" : node.type
        return ([type] + parameters).filter { !$0.isEmpty }.joined(separator: " ")
    }

    static func explicitParameters(_ node: GraphPlan.Node) -> [String] {
        guard let parameters = node.parameters else { return [] }
        return node.descriptor.parameters.compactMap { spec in
            guard parameters.isSet(spec.name), let value = parameters[spec.name] else { return nil }
            return "\(spec.name)=\(value)"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for c in text {
            switch c {
            case "\"": out += "\\\""
            case "\\":
                out.append("\\")
            default: out.append(c)
            }
        }
        return out + "\""
    }
}
