import ArgumentParser
import Endpoint
import Foundation
import SIPCore

/// `callwire demo` (what `make run` runs): Callwire's main job on an embedded default, with no
/// sound card and no network beyond 127.0.0.1. A second endpoint in the same process answers
/// with a synthesized prompt; Callwire calls it, records the call and transcribes the far end.
struct DemoCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Call an in-process answering endpoint that speaks a prompt; record and transcribe it.")

    @Option(help: "What the answering endpoint says.")
    var prompt = "please leave a message after the tone"
    @Option(help: "Where to write the call's stereo recording (left sent, right received).")
    var record = "out/demo-call.wav"
    @Option(help: "How long the call lasts, seconds.")
    var duration = 6.0

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        try? FileManager.default.createDirectory(atPath: (record as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        var answering = CallerOptions()
        answering.intIP = "127.0.0.1"
        answering.port = 0
        answering.user = "prompt"
        answering.domain = "127.0.0.1"
        answering.listen = true
        answering.autoRespondAfter = 0.3
        answering.pipeline = """
            tts voice=rms keep-open=true text="\(prompt.replacingOccurrences(of: "\"", with: ""))" ! resample ! @encoder ! @rtp-out
            @rtp-in ! jitter-buffer ! @decoder ! null-sink
            """
        answering.pipelineName = "<demo answering pipeline>"
        let callee: Caller
        do {
            callee = try await Caller(answering, registry: environment.registry)
        } catch {
            throw CommandFailure.error("\(error)", status: error.exitStatus)
        }
        await callee.start()
        var calling = CallerOptions()
        calling.intIP = "127.0.0.1"
        calling.port = 0
        calling.user = "demo"
        calling.domain = "127.0.0.1"
        calling.audio = false
        calling.recognize = true
        calling.record = record
        calling.duration = duration
        calling.to = try? NameAddress.parse("sip:prompt@\(callee.listeningAddress())")
        let caller: Caller
        do {
            caller = try await Caller(calling, registry: environment.registry)
        } catch {
            await callee.close()
            throw CommandFailure.error("\(error)", status: error.exitStatus)
        }
        environment.out("calling the in-process prompt endpoint at \(calling.to?.uri.description ?? "?") …")
        let printer = Task { () -> [String] in
            var transcript: [String] = []
            for await event in caller.events {
                if case .recognized(_, let text, _, _) = event { transcript.append(text) }
                CallerRun.print(event, options: calling, environment: environment, start: Date())
            }
            return transcript
        }
        let drain = Task { for await _ in callee.events {} }
        await caller.start()
        let status = await caller.wait()
        await caller.close()
        await callee.close()
        let transcript = await printer.value
        await drain.value
        environment.out("")
        environment.out("transcript: \(transcript.isEmpty ? "(nothing recognized)" : transcript.joined(separator: " "))")
        environment.out("recording:  \(record) (stereo WAV: left what Callwire sent, right what it heard)")
        return status
    }
}
