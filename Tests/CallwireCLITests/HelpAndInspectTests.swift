import Endpoint
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

    @Test("nodes inspect describes the Opus, G.722 and GSM codecs: plugin, formats on the wire, parameters", arguments: [
        ("opus-encoder", "plugin: opus", "opus/48000", "frame-duration"), ("opus-decoder", "plugin: opus", "opus/48000", "fec"),
        ("g722-encoder", "plugin: g722", "G722/8000", "frame-duration"), ("g722-decoder", "plugin: g722", "G722/8000", "16000"),
        ("gsm-encoder", "plugin: gsm", "GSM/8000", "frames-per-packet"), ("gsm-decoder", "plugin: gsm", "GSM/8000", "8000"),
    ])
    func inspectCodecs(name: String, plugin: String, wire: String, detail: String) async {
        let result = await callwire("nodes", "inspect", name)
        #expect(result.status == 0)
        #expect(result.stdout.contains(plugin) && result.stdout.contains(detail), "\(result.stdout)")
        #expect(result.stdout.contains(wire) || result.stdout.contains(wire.replacingOccurrences(of: "/", with: " ")), "\(result.stdout)")
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
                     "level-meter", "pcmu-encoder", "pcmu-decoder", "pcma-encoder", "pcma-decoder", "opus-encoder", "opus-decoder",
                     "g722-encoder", "g722-decoder", "gsm-encoder", "gsm-decoder"] {
            #expect(result.out.contains { $0.hasPrefix("  \(name) ") }, "\(name) listed")
        }
    }

    @Test("help teaches by example")
    func help() async {
        let root = await callwire("--help")
        #expect(root.status == 0)
        #expect(root.stdout.contains("callwire --listen --register --user=alice --domain=localhost"))
        // The seed's help: grouped Network / SIP / Media, every option, computed defaults shown.
        for group in ["NETWORK:", "SIP:", "MEDIA:"] { #expect(root.stdout.contains(group)) }
        for option in ["-v", "-q", "--int-ip", "--ext-ip", "--transport", "--port", "--listen-queue", "--max-size", "--fix-nat",
                       "--user-agent", "--subject", "--user", "--domain", "--proxy", "--strict-route", "--authuser", "--authpass",
                       "--to", "--uri", "--listen", "--register", "--register-interval", "--retry-interval", "--send",
                       "--auto-respond", "--auto-respond-after", "--auto-terminate-after", "--use-lf", "--no-sdp", "--no-audio",
                       "--audio-loopback", "--samplerate", "--no-touchtone", "--recognize", "--textspeech"] {
            #expect(root.stdout.contains(option + " ") || root.stdout.contains(option + ","), "\(option) in the help")
        }
        let flat = root.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for shown in ["(default: 5092)", "(default: 3600)", "(default: 44100)", "(default: \(CallerDefaults.login))"] {
            #expect(flat.contains(shown), "\(shown) in the help")
        }
        let pipeline = await callwire("pipeline", "run", "--help")
        #expect(pipeline.stdout.contains("callwire pipeline run"))
        let run = await callwire("pipeline", "run", "--help")
        #expect(run.stdout.contains("--realtime"))
        #expect(run.stdout.contains("ctrl-C"))
        let unknown = await callwire("pipeline", "frobnicate")
        #expect(unknown.status == 64)
    }
}
