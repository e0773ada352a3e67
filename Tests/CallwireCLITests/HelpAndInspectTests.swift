import Testing

@Suite("Help and node inspection")
struct HelpAndInspectTests {
    @Test("nodes inspect shows ports, formats, parameters with defaults and ranges, and examples")
    func inspectGain() async {
        let result = await callwire("nodes", "inspect", "gain")
        #expect(result.status == 0)
        #expect(result.out == [
            "gain — Changes the level of a PCM stream by a gain in dB (saturating).",
            "  category: filter   plugin: basic",
            "",
            "inputs:",
            "  sink: PCM any rate any channels s16",
            "outputs:",
            "  src: PCM any rate any channels s16",
            "",
            "parameters:",
            "  gain  level (dB), default 0dB, range -96dB…48dB",
            "        Gain in dB: -6dB halves the amplitude, 6dB doubles it.",
            "",
            "examples:",
            "  callwire pipeline run 'wav-player path=in.wav ! gain gain=-6dB ! wav-recorder path=quieter.wav'",
        ])
    }

    @Test("inspect suggests a name for a typo")
    func inspectTypo() async {
        let result = await callwire("nodes", "inspect", "wav-recordr")
        #expect(result.status == 1)
        #expect(result.stderr == "error: no node type 'wav-recordr' (did you mean 'wav-recorder'?); `callwire nodes list` shows them all")
    }

    @Test("nodes list groups every built-in node type")
    func list() async {
        let result = await callwire("nodes", "list")
        #expect(result.status == 0)
        for name in ["sine", "silence", "wav-player", "wav-recorder", "null-sink", "tee", "mixer", "gain",
                     "level-meter", "pcmu-encoder", "pcmu-decoder", "pcma-encoder", "pcma-decoder"] {
            #expect(result.out.contains { $0.hasPrefix("  \(name) ") }, "\(name) listed")
        }
    }

    @Test("help teaches by example")
    func help() async {
        let root = await callwire("--help")
        #expect(root.status == 0)
        #expect(root.stdout.contains("callwire pipeline run 'sine freq=1000 rate=8000 duration=10s"))
        let run = await callwire("pipeline", "run", "--help")
        #expect(run.stdout.contains("--realtime"))
        #expect(run.stdout.contains("ctrl-C"))
        let unknown = await callwire("pipeline", "frobnicate")
        #expect(unknown.status == 64)
    }
}
