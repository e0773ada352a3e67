import Foundation
import MediaCore
import MediaTesting
import Testing

@Suite("callwire pipeline check|show|run")
struct PipelineCommandTests {
    @Test("check: each class of error exits 1 with FILE:LINE:COL: error:", arguments: [
        ("sine ! pcmu-encodr ! null-sink", "1:8: error: unknown node type 'pcmu-encodr' (did you mean 'pcmu-encoder'?)"),
        ("sine freq=440 ampl=3 ! null-sink", "1:20: error: sine: unknown parameter 'ampl'"),
        ("sine freq=440 level=6dB ! null-sink", "1:21: error: sine: parameter 'level': expected a value in -120dB…0dB, got 6dB"),
        ("sine rate=8000 ! pcmu-encoder", "1:18: error: pcmu-encoder: output 'src' is not linked"),
        ("sine ! tee name=t  x. ! null-sink", "1:20: error: no node is named 'x'"),
        ("sine rate=16000 ! pcmu-encoder ! null-sink",
         "1:19: error: format mismatch: sine (1:1) produces PCM 16000 Hz mono s16, but pcmu-encoder accepts PCM 8000 Hz mono s16"),
    ])
    func checkErrors(text: String, expected: String) async throws {
        let directory = try temporaryDirectory("check")
        let file = directory.appendingPathComponent("x.pipeline")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = await callwire("pipeline", "check", file.path)
        #expect(result.status == 1)
        #expect(result.err.count == 1)
        #expect(result.stderr.hasPrefix(file.path + ":" + expected), "got: \(result.stderr)")
    }

    @Test("check: valid pipelines exit 0 and say ok")
    func checkValid() async {
        let result = await callwire("pipeline", "check", "sine rate=8000 ! pcmu-encoder ! pcmu-decoder ! null-sink")
        #expect(result.status == 0)
        #expect(result.stdout == "<pipeline>: ok, 4 nodes, 3 links")
    }

    @Test("check is static: a pipeline naming a sound card checks on a headless machine; --devices opens it")
    func checkNeedsNoDevice() async {
        let text = "alsa-source device=hw:9,0 rate=8000 ! pcmu-encoder ! pcmu-decoder ! alsa-sink device=hw:9,1"
        let result = await callwire("pipeline", "check", text)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ok, 4 nodes"))
        let shipped = await callwire("pipeline", "check", repositoryRoot.appendingPathComponent("pipelines/call-default.pipeline").path)
        #expect(shipped.status == 0, "\(shipped.stderr)")
        let devices = await callwire("pipeline", "check", "--devices", text)
        #expect(devices.status == 1)
        #expect(devices.stderr.contains("cannot open audio device 'hw:9,0'"), "\(devices.stderr)")
        #expect(devices.stderr.contains("cannot open audio device 'hw:9,1'"), "\(devices.stderr)")
    }

    @Test("check: a missing pipeline file is named")
    func missingFile() async {
        let result = await callwire("pipeline", "check", "nowhere/absent.pipeline")
        #expect(result.status == 1)
        #expect(result.stderr == "error: cannot read pipeline file 'nowhere/absent.pipeline': No such file or directory")
    }

    @Test("show --dot is accepted by Graphviz")
    func dot() async throws {
        let dot = try requireTool("dot")
        let result = await callwire("pipeline", "show", "--dot", """
        sine rate=8000 duration=1s ! tee name=t
        t. ! pcmu-encoder ! @rtp-out
        t. ! gain gain=-6dB ! level-meter
        @rtp-in ! @decoder ! null-sink
        """)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("digraph pipeline {"))
        let rendered = try runProcess(dot, ["-Tsvg"], input: Data(result.stdout.utf8))
        #expect(rendered.status == 0, "dot said: \(rendered.err)")
        #expect(rendered.out.contains("<svg"))
        #expect(rendered.out.contains("PCMU/8000"))
    }

    @Test("show prints nodes and the negotiated format of every link")
    func showText() async {
        let result = await callwire("pipeline", "show", "sine rate=8000 ! pcma-encoder ! pcma-decoder ! null-sink")
        #expect(result.status == 0)
        #expect(result.stdout.contains("  pcma-encoder.src → pcma-decoder.sink  [PCMA/8000]"))
    }

    @Test("run: the acceptance tone through G.711 is 10.00 s at 1000 Hz with ≥ 35 dB SNR",
          arguments: ["pcmu", "pcma"])
    func runToneThroughG711(codec: String) async throws {
        let sox = try requireTool("sox")
        let directory = try temporaryDirectory("run-\(codec)")
        let path = directory.appendingPathComponent("out.wav").path
        let result = try runProcess(try callwireExecutable().path, [
            "pipeline", "run",
            "sine freq=1000 rate=8000 duration=10s ! \(codec)-encoder ! \(codec)-decoder ! wav-recorder path=\(path)",
        ])
        #expect(result.status == 0, "stderr: \(result.err)")
        #expect(result.out.contains("wav-recorder: wrote 10.000 s of PCM 8000 Hz mono s16 to \(path)"))
        // sox (an independent reader) agrees on the length.
        let info = try runProcess(sox, ["--i", "-D", path])
        #expect(info.out.trimmingCharacters(in: .whitespacesAndNewlines) == "10.000000")
        let (samples, format) = try readSoundFile(path)
        #expect(format == .mono16(8000))
        #expect(samples.count == 80_000)
        #expect(abs(AudioCheck.dominantFrequency(samples, sampleRate: 8000) - 1000) < 0.5)
        let reference = Signal.sine(hz: 1000, duration: .seconds(10), sampleRate: 8000, level: -3.14)
        let snr = AudioCheck.snr(reference: reference.samples, test: samples)
        #expect(snr >= 35, "SNR \(snr) dB")
    }

    @Test("run: a never-ending pipeline on the virtual clock needs --duration")
    func runForever() async {
        let result = await callwire("pipeline", "run", "sine ! null-sink")
        #expect(result.status == 1)
        #expect(result.stderr.contains("runs forever"))
        let bounded = await callwire("pipeline", "run", "--duration", "2s", "sine ! null-sink")
        #expect(bounded.status == 0)
        #expect(bounded.stdout.contains("null-sink: received 2.000 s of PCM 8000 Hz mono s16 in 100 frames"))
    }

    @Test("run: a runtime failure names the node and where it was written")
    func runtimeFailure() async throws {
        let result = await callwire("pipeline", "run", "sine duration=1s ! wav-recorder path=/proc/forbidden/x.wav")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("<pipeline>:1:20: error: wav-recorder: cannot create '/proc/forbidden/x.wav'"))
    }

    @Test("a bad --duration is a usage error (64) that names the value")
    func usageError() async {
        let result = await callwire("pipeline", "run", "--duration", "ten", "sine ! null-sink")
        #expect(result.status == 64)
        #expect(result.stderr.contains("'ten' is not a duration"))
    }
}
