import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One codec as each side names it.
struct InteropCodec: Sendable, CustomStringConvertible {
    /// baresip's account `audio_codecs` entry.
    var baresip: String
    /// What Callwire's `codec` event prints (`media: …`).
    var callwire: String
    /// How baresip's log names the codec it set up (`audio: Set audio encoder: …`).
    var baresipLog: String
    /// The rate baresip's audio source and player run at (its aufile source does not resample).
    var sampleRate: Int

    var description: String { callwire }

    static let all = [
        InteropCodec(baresip: "opus/48000/2", callwire: "opus/48000", baresipLog: "opus 48000Hz", sampleRate: 16_000),
        InteropCodec(baresip: "G722/16000/1", callwire: "G722/8000", baresipLog: "G722 16000Hz", sampleRate: 16_000),
        InteropCodec(baresip: "GSM/8000/1", callwire: "GSM/8000", baresipLog: "GSM 8000Hz", sampleRate: 8_000),
    ]
}

/// Opus, G.722 and GSM between Callwire and baresip (its own `opus`, `g722` and `gsm` modules)
/// on 127.0.0.1, both ways: the codec is checked in Callwire's `codec` event and in baresip's
/// log, speech by recognizing it.
@Suite("Interop with baresip: Opus, G.722, GSM", .serialized)
struct BaresipCodecTests {
    static let sentence = "please leave a message after the tone"

    @Test("Callwire calls baresip, which plays a flite sentence over the codec; --recognize prints it", arguments: InteropCodec.all)
    func callwireCalls(codec: InteropCodec) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baresip-\(codec.baresip.prefix(4))-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let spoken = directory.appendingPathComponent("spoken.wav").path, prompt = directory.appendingPathComponent("prompt.wav").path
        #expect(try runTool("flite", package: "flite", ["-voice", "rms", "-t", Self.sentence, "-o", spoken]) == 0)
        #expect(try runTool("sox", package: "sox", [spoken, "-r", String(codec.sampleRate), "-c", "1", "-b", "16", prompt,
                                                    "pad", "0.5", "3"]) == 0)
        let home = try BaresipHome(name: "baresip", directory: directory, source: prompt, sampleRate: codec.sampleRate,
                                   accountParameters: "audio_codecs=\(codec.baresip)")
        let baresip = try await home.start()
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        let callwire = try PeerProcess(try callwirePath(), ["--to=sip:bare@127.0.0.1:\(home.sipPort)", "--no-audio", "--recognize",
                                                            "--duration=9", "--int-ip=127.0.0.1", "--port=0"])
        callwire.endInput()
        #expect(await callwire.finish(timeout: .seconds(30)) == 0, "\(callwire.text)")
        #expect(callwire.text.contains("media: \(codec.callwire) "), "\(callwire.text)")
        #expect(baresip.text.contains("Set audio encoder: \(codec.baresipLog)")
                && baresip.text.contains("Set audio decoder: \(codec.baresipLog)"), "\(baresip.text.suffix(2_000))")
        #expect(callwire.text.contains("\n" + Self.sentence + "\n"), "recognized: \(callwire.text)")
    }

    @Test("baresip calls `callwire --listen --textspeech` over the codec; the typed sentence in baresip's recording is recognized",
          arguments: InteropCodec.all)
    func baresipCalls(codec: InteropCodec) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baresip-\(codec.baresip.prefix(4))-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let silence = directory.appendingPathComponent("silence.wav").path
        #expect(try runTool("sox", package: "sox", ["-n", "-r", String(codec.sampleRate), "-c", "1", "-b", "16", "-e", "signed-integer",
                                                    silence, "trim", "0", "30"]) == 0)
        let port = FreePort.next([.udp, .tcp])
        // --textspeech speaks typed lines into the call; this pipeline gives it flite's rms voice,
        // which keeps its words through low-rate codecs better than the default narrowband kal.
        let pipeline = "tts voice=rms keep-open=true ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink"
        let callwire = try PeerProcess(try callwirePath(), ["--listen", "--textspeech", "--pipeline", pipeline, "--auto-respond-after=0.2",
                                                            "--int-ip=127.0.0.1", "--port=\(port)"])
        defer { kill(callwire.process.processIdentifier, SIGKILL) }
        let home = try BaresipHome(name: "baresip", directory: directory, source: silence, sampleRate: codec.sampleRate,
                                   accountParameters: "audio_codecs=\(codec.baresip)")
        let baresip = try await home.start()
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        let control = try ControlConnection(port: home.controlPort)
        try control.send(command: "dial", params: "sip:alice@127.0.0.1:\(port)")
        do {
            try await callwire.waitFor("media: \(codec.callwire) ", timeout: .seconds(30))
        } catch {
            Issue.record("baresip said:\n\(baresip.text.suffix(2_000))")
            throw error
        }
        try await baresip.waitFor("Set audio encoder: \(codec.baresipLog)")
        #expect(baresip.text.contains("Set audio decoder: \(codec.baresipLog)"))
        try await Task.sleep(for: .seconds(1))
        callwire.type(Self.sentence)
        try await Task.sleep(for: .seconds(5))
        try control.send(command: "hangup", params: "")
        try await callwire.waitFor("call closed by remote party")

        // baresip records what it decoded at the codec's rate; the recognizer takes it as 8 kHz
        // mono, the band every one of these codecs carries (it fills the upper band itself).
        let narrow = directory.appendingPathComponent("heard-8k.wav").path
        #expect(try runTool("sox", package: "sox", [try home.decodedRecording(), "-r", "8000", "-c", "1", narrow]) == 0)
        let recognized = try PeerProcess(try callwirePath(), ["pipeline", "run", "wav-player path=\"\(narrow)\" ! recognizer"])
        #expect(await recognized.finish(timeout: .seconds(60)) == 0)
        #expect(recognized.text.contains("recognized \"\(Self.sentence)\""), "\(recognized.text)")
    }
}
