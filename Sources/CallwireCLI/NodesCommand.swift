import ArgumentParser
import MediaCore

/// `callwire nodes`: what processors exist and how to use them.
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List the available node types, or describe one.",
        discussion: """
          callwire nodes list
          callwire nodes inspect wav-recorder
        """,
        subcommands: [NodesListCommand.self, NodesInspectCommand.self])
}

/// `callwire nodes list`
struct NodesListCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List every node type by category, with a one-line summary.")

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        let descriptors = environment.registry.descriptors
        let width = descriptors.map(\.name.count).max() ?? 0
        for category in NodeCategory.allCases {
            let members = descriptors.filter { $0.category == category }
            guard !members.isEmpty else { continue }
            environment.out("\(category.title):")
            for descriptor in members {
                let pad = String(repeating: " ", count: width - descriptor.name.count)
                environment.out("  \(descriptor.name)\(pad)  \(descriptor.summary)")
            }
        }
        environment.out("\n\(descriptors.count) node types. `callwire nodes inspect NAME` describes one.")
        return ExitStatus.success
    }
}

/// `callwire nodes inspect NAME`
struct NodesInspectCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a node type: ports, formats, parameters with defaults and ranges, examples.",
        discussion: "  callwire nodes inspect sine")

    @Argument(help: "The node type, as written in pipelines (e.g. pcmu-encoder).")
    var name: String

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        guard let descriptor = environment.registry.descriptor(named: name) else {
            let hint = environment.registry.suggestion(for: name).map { " (did you mean '\($0)'?)" } ?? ""
            throw CommandFailure.error("no node type '\(name)'\(hint); `callwire nodes list` shows them all")
        }
        NodeInspection.render(descriptor, plugin: environment.registry.plugin(of: name)).forEach(environment.out)
        return ExitStatus.success
    }
}

/// The text of `nodes inspect`.
enum NodeInspection {
    static func render(_ descriptor: NodeDescriptor, plugin: String?) -> [String] {
        var lines = ["\(descriptor.name) — \(descriptor.summary)",
                     "  category: \(descriptor.category.rawValue)" + (plugin.map { "   plugin: \($0)" } ?? ""), ""]
        func ports(_ title: String, _ list: [PortSpec]) {
            lines.append("\(title):")
            if list.isEmpty { lines.append("  (none)") }
            for port in list {
                let presence = switch port.presence {
                case .always: ""
                case .optional: " (optional)"
                case .request: " (one per link: \(port.name)_0, \(port.name)_1, …)"
                }
                lines.append("  \(port.name)\(presence): \(port.formats)")
            }
        }
        ports("inputs", descriptor.inputs)
        ports("outputs", descriptor.outputs)
        lines.append("")
        lines.append("parameters:")
        if descriptor.parameters.isEmpty { lines.append("  (none)") }
        let width = descriptor.parameters.map(\.name.count).max() ?? 0
        for spec in descriptor.parameters {
            let pad = String(repeating: " ", count: width - spec.name.count)
            var facts = [spec.kindName]
            if spec.isRequired { facts.append("required") }
            if let value = spec.defaultValue { facts.append("default \(value)") }
            if let range = spec.rangeDescription { facts.append("range \(range)") }
            lines.append("  \(spec.name)\(pad)  \(facts.joined(separator: ", "))")
            lines.append("  \(String(repeating: " ", count: width))  \(spec.doc)")
        }
        if !descriptor.examples.isEmpty {
            lines.append("")
            lines.append("examples:")
            for example in descriptor.examples { lines.append("  callwire pipeline run '\(example)'") }
        }
        return lines
    }
}
