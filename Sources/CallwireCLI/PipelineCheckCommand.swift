import ArgumentParser
import MediaCore
import PipelineLanguage

/// `callwire pipeline check FILE|TEXT…`
struct PipelineCheckCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate pipelines: syntax, node types, parameters, links and formats.",
        discussion: """
        Prints one `FILE:LINE:COL: error: …` line per problem and exits 1 if any pipeline is \
        invalid; prints `FILE: ok` for each valid one and exits 0. The check is static: a sound \
        card the pipeline names is not opened (a pipeline for a machine with speakers checks fine \
        on a headless one) unless `--devices` asks for it; `pipeline run` and calls open them.

          callwire pipeline check pipelines/*.pipeline
          callwire pipeline check 'sine rate=16000 ! pcmu-encoder ! null-sink'
            <pipeline>:1:20: error: format mismatch: sine (<pipeline>:1:1) produces PCM 16000 Hz mono s16, \
        but pcmu-encoder accepts PCM 8000 Hz mono s16; put `resample rate=8000` between them
        """)

    @Argument(help: "Pipeline files, or pipeline text in quotes ('-' reads standard input).")
    var pipelines: [String]

    @Flag(name: .shortAndLong, help: "Print nothing for valid pipelines.")
    var quiet = false

    @Flag(help: "Also open the audio devices the pipelines name, to check they exist and accept the formats.")
    var devices = false

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        var failed = false
        for argument in pipelines {
            let source: PipelineSource
            do {
                source = try PipelineSource.resolve(argument)
            } catch {
                error.lines.forEach(environment.err)
                failed = true
                continue
            }
            do {
                let plan = try PipelineCompiler(registry: environment.registry, probesDevices: devices).plan(source.text, file: source.name)
                plan.warnings.forEach { environment.err($0.description) }
                if !quiet {
                    let open = plan.unboundSlots
                    let note = open.isEmpty ? "" : " (slots filled by a call: \(open.joined(separator: ", ")))"
                    environment.out("\(source.name): ok, \(plan.nodes.count) nodes, \(plan.links.count) links\(note)")
                }
            } catch {
                error.diagnostics.forEach { environment.err($0.description) }
                failed = true
            }
        }
        return failed ? ExitStatus.mediaError : ExitStatus.success
    }
}
