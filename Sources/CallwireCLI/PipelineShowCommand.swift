import ArgumentParser
import MediaCore
import PipelineLanguage

/// `callwire pipeline show FILE|TEXT [--dot]`
struct PipelineShowCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a pipeline's nodes and negotiated formats, or a Graphviz drawing.",
        discussion: """
          callwire pipeline show pipelines/demo.pipeline
          callwire pipeline show pipelines/demo.pipeline --dot | dot -Tsvg > demo.svg
        """)

    @Argument(help: "A pipeline file, or pipeline text in quotes.")
    var pipeline: String

    @Flag(help: "Print Graphviz `dot` source instead of text.")
    var dot = false

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        let source = try PipelineSource.resolve(pipeline)
        let plan: GraphPlan
        do {
            plan = try PipelineCompiler(registry: environment.registry).plan(source.text, file: source.name)
        } catch {
            throw CommandFailure(error.diagnostics.map(\.description))
        }
        let text = dot ? GraphRendering.dot(plan, title: source.name) : GraphRendering.text(plan)
        environment.out(text)
        return ExitStatus.success
    }
}
