public import MediaCore
import ArgumentParser
import Endpoint
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
        OpenFileLimit.raise()
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
        // `callwire -h` is the seed's `caller.py -h`: the caller's options, grouped.
        if arguments == ["-h"] || arguments == ["--help"] {
            environment.out(RootCommand.helpMessage(for: CallerCommand.self))
            return ExitStatus.success
        }
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

/// `callwire`: the root command. With no subcommand it is the caller (``CallerCommand``), so the
/// rtclite command lines work unchanged: `callwire --to=sip:alice@localhost`.
struct RootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callwire",
        abstract: "A command-line SIP endpoint built on a media-pipeline framework.",
        version: CallwireVersion.string,
        subcommands: [CallerCommand.self, ServerCommand.self, LoadCommand.self, PipelineCommand.self, NodesCommand.self, BenchCommand.self,
                      DemoCommand.self, ScoreCommand.self, LadderCommand.self],
        defaultSubcommand: CallerCommand.self)
}

/// `callwire [call] [options]`: every option of the rtclite caller manual, grouped as its help
/// groups them, plus Callwire's own.
struct CallerCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Make and take calls and messages, register, and run a pipeline per call (the default command).",
        discussion: """
        One of --to, --listen or --register is needed:

          callwire --listen --register --user=alice --domain=localhost
          callwire --to=sip:alice@localhost --port=5064 --no-audio --record call.wav
          callwire --to=sip:alice@localhost --send=hello
          callwire --to=sip:bob@127.0.0.1:5062 --pipeline 'wav-player path=a.wav ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink'

          callwire --listen --max-calls 3 --record 'calls/%i.wav' --no-audio

        In a call, a typed line of 0-9 * # A-D is sent as DTMF (--dtmf-mode), other text is spoken \
        with --textspeech; in a message session every line is a MESSAGE. A line starting with / is \
        a command; with several calls, N is the call's number (default: the newest):

        \(Caller.commandHelp.split(separator: "\n").dropLast().map { "  " + $0 }.joined(separator: "\n"))

        ctrl-C hangs up, unregisters and finalizes recordings; a second ctrl-C exits at once.

        Other commands: callwire server | load | pipeline run|check|show | nodes list|inspect | bench | demo | \
        ladder (callwire help COMMAND).
        """)

    @Flag(name: .shortAndLong, help: "Verbose: DEBUG log lines and a full SIP trace.")
    var verbose = false
    @Flag(name: .shortAndLong, help: "Quiet: only critical log lines (wins over -v).")
    var quiet = false
    @OptionGroup(title: "Network") var network: NetworkArguments
    @OptionGroup(title: "SIP") var sip: SIPArguments
    @OptionGroup(title: "Media") var media: MediaArguments
    @OptionGroup(title: "Call control") var control: ControlArguments

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        try await CallerRun(command: self, environment: environment).run()
    }
}

/// The version printed by `--version`.
public enum CallwireVersion {
    /// The release version.
    public static let string = "0.1.0"
}
