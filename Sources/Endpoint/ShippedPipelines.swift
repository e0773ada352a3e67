/// The call pipelines the seed's media flags choose (DESIGN.md §3). `callwire --show-pipeline`
/// prints the one a command line gets, to copy into a file and change with `--pipeline FILE`;
/// `pipelines/call-*.pipeline` are the common ones, checked against this by the tests.
///
/// Node names are part of the contract: `keys` (typed DTMF), `speech` (typed text to speech),
/// `digits` (received DTMF), `asr` (recognized speech), `recording` (the `--record` file).
public enum ShippedPipelines {
    /// The pipeline for `options`' media flags (ignores `options.pipeline`).
    public static func text(for options: CallerOptions) -> String {
        var lines: [String] = []
        let quotedRecord = options.record.map(quote)
        if options.audioLoopback {
            lines.append("# --audio-loopback: what arrives goes back, decoded and encoded again")
            lines.append("@rtp-in name=rx ! jitter-buffer ! @decoder ! tee name=heard")
            lines.append("heard. ! @encoder ! @rtp-out name=tx")
        } else {
            let source: String
            if let play = options.play {
                source = "wav-player path=\(quote(play)) ! resample rate=16000"
            } else if options.audio {
                source = "alsa-source device=default rate=\(options.sampleRate) ! resample rate=16000"
            } else {
                source = "silence rate=16000"
            }
            lines.append("# what we send: \(options.play != nil ? "the file" : options.audio ? "the microphone" : "silence (--no-audio)")"
                         + (options.textspeech ? ", mixed with typed text spoken by TTS" : ""))
            let inband = options.touchtone && options.dtmfMode == .inband
            if options.textspeech || quotedRecord != nil || inband {
                lines.append("\(source) ! mixer name=mix ! tee name=sent")
                if options.textspeech { lines.append("tts name=speech voice=kal keep-open=true ! resample rate=16000 ! mix.") }
                if inband { lines.append("dtmf-tone name=keys rate=16000 ! mix.") }
                lines.append("sent. ! resample ! @encoder ! @rtp-out name=tx")
            } else {
                lines.append("\(source) ! resample ! @encoder ! @rtp-out name=tx")
            }
            lines.append("# what we hear")
            lines.append("@rtp-in name=rx ! jitter-buffer ! @decoder ! tee name=heard")
            lines.append(options.audio ? "heard. ! resample rate=\(options.sampleRate) ! alsa-sink device=default" : "heard. ! null-sink")
        }
        if options.touchtone {
            if options.dtmfMode == .inband {
                lines.append("# DTMF: typed keys go out as tones (mixed in above); received RFC 4733 keys reported")
            } else {
                lines.append("# DTMF (RFC 4733): typed keys out, received keys reported")
                lines.append("dtmf-injector name=keys keep-open=true ! tx.events")
            }
            lines.append("rx.events ! dtmf-receiver name=digits")
        }
        if options.recognize {
            lines.append("# --recognize: print what the far end says")
            lines.append("heard. ! resample ! recognizer name=asr")
        }
        if let quotedRecord {
            lines.append("# --record: left what we send, right what we hear")
            if options.audioLoopback {
                lines.append("heard. ! tee name=sent")
            }
            lines.append("sent. ! resample rate=16000 ! stereo.left")
            lines.append("heard. ! resample rate=16000 ! stereo.right")
            lines.append("interleave name=stereo ! wav-recorder name=recording path=\(quotedRecord)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quote(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
