import MediaCore
import Testing

@Suite("Formats, constraints and media time")
struct FormatTests {
    @Test func descriptions() {
        #expect(MediaFormat.mono16(16000).description == "PCM 16000 Hz mono s16")
        #expect(MediaFormat.pcm(sampleRate: 44100, channels: 2, sample: .float32).description == "PCM 44100 Hz stereo f32")
        #expect(MediaFormat.encoded(codec: .pcmu, clockRate: 8000, channels: 1).description == "PCMU/8000")
        #expect(FormatConstraint.pcm(rates: [8000, 16000], channels: [1]).description == "PCM 8000|16000 Hz mono s16")
    }

    @Test func containsAndIntersection() {
        let narrowband = FormatConstraint.pcm(rates: [8000], channels: [1])
        #expect(narrowband.contains(.mono16(8000)))
        #expect(!narrowband.contains(.mono16(16000)))
        #expect(!narrowband.contains(.encoded(codec: .pcmu, clockRate: 8000, channels: 1)))
        #expect(FormatConstraint.any.contains(.encoded(codec: "opus", clockRate: 48000, channels: 2)))
        let both = FormatConstraint.anyPCM().intersection(.pcm(rates: [16000, 8000]))
        #expect(both.fixate() == .mono16(16000), "preference order is kept")
        #expect(both.fixate(preferring: .mono16(8000)) == .mono16(8000))
        #expect(narrowband.intersection(.pcm(rates: [16000])).isEmpty)
        #expect(FormatConstraint.encoded(.pcmu).contains(.encoded(codec: "pcmu", clockRate: 8000, channels: 1)),
                "codec names compare case-insensitively")
    }

    @Test func mediaTime() {
        let a = MediaTime(sample: 8000, clockRate: 8000)
        let b = MediaTime(sample: 16000, clockRate: 16000)
        #expect(a == b)
        #expect(a.converted(to: 44100).sample == 44100)
        #expect(MediaTime(sample: 1, clockRate: 8000) < MediaTime(sample: 3, clockRate: 16000))
        #expect(MediaTime(sample: 12345, clockRate: 1000).description == "12.345 s")
        #expect(MediaTime(sample: 4000, clockRate: 8000).duration == .milliseconds(500))
        #expect(Duration.milliseconds(20).samples(atRate: 44100) == 882)
    }

    @Test("parameter coercion follows the kind and checks ranges", arguments: [
        (ParameterSpec.Kind.sampleRate, ParameterValue.frequency(8000), ParameterValue.int(8000)),
        (.sampleRate, .frequency(44100), .int(44100)),
        (.frequency, .int(440), .frequency(440)),
        (.decibels, .int(-6), .decibels(-6)),
        (.duration, .int(0), .duration(.zero)),
        (.double, .int(3), .double(3)),
        (.bool, .int(1), .bool(true)),
    ])
    func coercion(kind: ParameterSpec.Kind, given: ParameterValue, expected: ParameterValue) throws {
        #expect(try ParameterSpec("p", kind, doc: "").coerce(given) == expected)
    }

    @Test func coercionErrors() {
        #expect(throws: ParameterError.self) { try ParameterSpec("d", .duration, doc: "").coerce(.int(10)) }
        #expect(throws: ParameterError.self) { try ParameterSpec("g", .decibels, range: -10...0, doc: "").coerce(.decibels(3)) }
        do {
            _ = try ParameterSpec("mode", .choice(["nb", "wb", "uwb"]), doc: "").coerce(.string("wbb"))
            Issue.record("expected an error")
        } catch {
            #expect(error.suggestion == "wb")
        }
    }

    @Test func suggestions() {
        #expect(Suggestion.closest(to: "pcmu-encodr", in: ["pcmu-encoder", "pcma-encoder"]) == "pcmu-encoder")
        #expect(Suggestion.closest(to: "sien", in: ["sine", "tee"]) == "sine")
        #expect(Suggestion.closest(to: "zzzzzz", in: ["sine", "tee"]) == nil)
    }
}
