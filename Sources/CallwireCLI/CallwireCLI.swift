public import MediaCore
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `callwire` command line as a library, so a package of yours can run it with your own
/// processors added:
///
/// ```
/// @main struct MyCallwire {
///     static func main() async {
///         await CallwireCLI.main(plugins: BuiltinPlugins.all + [MyPlugin.self])
///     }
/// }
/// ```
public enum CallwireCLI {
    /// Parses the process's arguments, runs the command, and exits with its status.
    public static func main(plugins: [any MediaPlugin.Type]) async -> Never {
        let registry: NodeRegistry
        do {
            registry = try NodeRegistry(plugins: plugins)
        } catch {
            writeLine("error: \(error)", to: 2)
            exit(70)
        }
        let status = await run(arguments: Array(CommandLine.arguments.dropFirst()),
                               environment: .standard(registry: registry))
        exit(status)
    }

    /// Runs one command line in `environment` and returns its exit status. Nothing is printed
    /// except through the environment, so tests can capture the output.
    public static func run(arguments: [String], environment: CLIEnvironment) async -> Int32 {
        do {
            let command = try RootCommand.parseAsRoot(arguments)
            if let command = command as? any EnvironmentCommand {
                return try await command.execute(in: environment)
            }
            var plain = command
            try plain.run()
            return ExitStatus.success
        } catch let failure as CommandFailure {
            failure.lines.forEach(environment.err)
            return failure.status
        } catch {
            let message = RootCommand.fullMessage(for: error)
            let status = RootCommand.exitCode(for: error).rawValue
            if status == 0 {
                environment.out(message)
            } else {
                environment.err(message)
            }
            return status == 0 ? 0 : (status == 1 ? ExitStatus.mediaError : status)
        }
    }
}

/// A command that runs with the CLI's environment instead of ArgumentParser's `run()`.
protocol EnvironmentCommand: ParsableCommand {
    /// Runs the command; returns the exit status or throws a ``CommandFailure``.
    func execute(in environment: CLIEnvironment) async throws -> Int32
}

/// `callwire`: the root command.
struct RootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callwire",
        abstract: "A command-line SIP endpoint built on a media-pipeline framework.",
        discussion: """
        A call is a graph of audio nodes described in a pipeline; the SIP layer negotiates SDP and \
        attaches the graph. The pipeline tools work on their own, with no call:

          callwire pipeline run 'sine freq=1000 rate=8000 duration=10s ! pcmu-encoder ! pcmu-decoder ! wav-recorder path=out.wav'
          callwire pipeline check pipelines/demo.pipeline
          callwire pipeline show pipelines/demo.pipeline --dot | dot -Tsvg > demo.svg
          callwire nodes list
          callwire nodes inspect wav-recorder
        """,
        version: CallwireVersion.string,
        subcommands: [PipelineCommand.self, NodesCommand.self, BenchCommand.self])
}

/// The version printed by `--version`.
public enum CallwireVersion {
    /// The release version.
    public static let string = "0.1.0"
}
