import ArgumentParser

/// `callwire pipeline`: check, draw and run pipelines without a call.
struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Check, draw or run a pipeline without making a call.",
        discussion: """
        A pipeline is written like gst-launch: `type key=value … ! type …`. Name a node with \
        `name=` and link to it again with `name.`; `#` starts a comment; `@rtp-in`, `@rtp-out`, \
        `@encoder` and `@decoder` are filled in by a call. Give a file, or the text itself:

          callwire pipeline check pipelines/demo.pipeline
          callwire pipeline run 'sine freq=440 duration=2s ! tee name=t  t. ! wav-recorder path=a.wav  t. ! level-meter'
        """,
        subcommands: [PipelineCheckCommand.self, PipelineShowCommand.self, PipelineRunCommand.self])
}
