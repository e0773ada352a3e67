import CallwireBuiltins
import MediaCore
import PipelineLanguage
import Testing

/// The errors `pipeline check` must report (issue acceptance), through the built-in registry.
@Suite("Pipeline validation")
struct PipelineValidationTests {
    let compiler = PipelineCompiler(registry: BuiltinPlugins.registry())

    func diagnostics(_ text: String, file: String = "t.pipeline") -> [String] {
        do {
            _ = try compiler.plan(text, file: file)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("unknown node type, with a suggestion")
    func unknownType() {
        #expect(diagnostics("sine rate=8000 ! pcmu-encodr ! null-sink")
                == ["t.pipeline:1:18: error: unknown node type 'pcmu-encodr' (did you mean 'pcmu-encoder'?)"])
    }

    @Test("unknown parameter, naming node and parameter")
    func unknownParameter() {
        #expect(diagnostics("sine\n  frequency=1000 ! null-sink")
                == ["t.pipeline:2:13: error: sine: unknown parameter 'frequency' (did you mean 'freq'?)"])
    }

    @Test("value out of range")
    func outOfRange() {
        #expect(diagnostics("sine level=3dB ! null-sink")
                == ["t.pipeline:1:12: error: sine: parameter 'level': expected a value in -120dB…0dB, got 3dB"])
    }

    @Test("unlinked mandatory port")
    func unlinked() {
        #expect(diagnostics("sine rate=8000 ! pcmu-encoder")
                == ["t.pipeline:1:18: error: pcmu-encoder: output 'src' is not linked; end the chain with a sink such as `null-sink`"])
    }

    @Test("reference to an undefined name")
    func undefinedName() {
        #expect(diagnostics("sine ! tee name=split\nsplt. ! null-sink")
                == ["t.pipeline:2:1: error: no node is named 'splt' (did you mean 'split.'?); named nodes: split"])
    }

    @Test("format mismatch names both nodes and both formats")
    func formatMismatch() {
        #expect(diagnostics("sine rate=16000 ! pcmu-encoder ! null-sink")
                == ["t.pipeline:1:19: error: format mismatch: sine (1:1) produces PCM 16000 Hz mono s16, "
                    + "but pcmu-encoder accepts PCM 8000 Hz mono s16; put `resample rate=8000` between them"])
        #expect(diagnostics("sine rate=8000 ! pcma-decoder ! null-sink").first?.contains("PCMA/8000") == true)
    }

    @Test("unknown slot and duplicate names")
    func slotsAndNames() {
        #expect(diagnostics("@rtp-inn ! null-sink")
                == ["t.pipeline:1:1: error: unknown slot '@rtp-inn' (did you mean '@rtp-in'?); slots are @rtp-in, @rtp-out, @encoder, @decoder, @network"])
        #expect(diagnostics("sine name=a ! null-sink name=a").count == 1)
    }

    @Test("a mixer with inputs of different formats says which")
    func mixerFormats() {
        let result = diagnostics("sine rate=8000 duration=1s ! m.  sine rate=16000 duration=1s ! m.  mixer name=m ! null-sink")
        #expect(result.count == 1)
        #expect(result.first?.contains("mixer inputs must share one format") == true)
    }

    @Test("valid pipelines plan, and slots stay open for the call")
    func valid() throws {
        let plan = try compiler.plan("""
        sine rate=8000 ! tee name=t
        t. ! pcmu-encoder ! @rtp-out
        t. ! level-meter
        @rtp-in ! @decoder ! wav-recorder path=/tmp/never-written.wav
        """)
        #expect(plan.unboundSlots == ["@rtp-in", "@decoder", "@rtp-out"] || Set(plan.unboundSlots) == ["@rtp-in", "@decoder", "@rtp-out"])
        #expect(!plan.isRunnable)
    }

    @Test("every shipped pipeline passes the static check, on a machine with or without a sound card")
    func shippedPipelines() throws {
        let directory = String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
        let root = "/" + directory + "/pipelines"
        let files = try shippedPipelineFiles(in: root)
        #expect(!files.isEmpty)
        for file in files {
            let text = try #require(readText(file))
            var staticCompiler = compiler
            staticCompiler.probesDevices = false
            do {
                _ = try staticCompiler.plan(text, file: file)
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
