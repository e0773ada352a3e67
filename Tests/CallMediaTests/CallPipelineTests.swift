import CallMedia
import CallwireBuiltins
import Foundation
import MediaCore
import MediaTesting
import NIOCore
import RTPSession
import SDP
import Testing

@Suite("A pipeline meets SDP", .serialized)
struct CallPipelineTests {
    let registry = BuiltinPlugins.registry()
    let wide = "sine freq=1000 rate=48000 ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! resample rate=48000 ! null-sink"
    let narrow = "sine freq=1000 rate=8000 ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink"

    @Test("the offer lists what the pipeline can encode and decode: a resampler opens every rate")
    func capabilities() throws {
        let all = try CallPipeline(text: wide, registry: registry).capabilities()
        #expect(all.map(\.description) == ["speex/16000", "PCMU/8000", "PCMA/8000", "speex/8000", "opus/48000/2", "G722/8000",
                                           "GSM/8000", "speex/32000"])
        let eightOnly = try CallPipeline(text: narrow, registry: registry).capabilities()
        #expect(eightOnly.map(\.description) == ["PCMU/8000", "PCMA/8000", "speex/8000", "opus/48000/2", "GSM/8000"],
                "Opus codes 8 kHz audio too; G.722 needs 16 kHz")
    }

    @Test("an offer with every codec and its telephone-events uses each payload type once")
    func distinctPayloadTypes() throws {
        var side = OfferAnswer(options: try CallPipeline(text: wide, registry: registry).mediaOptions(address: "127.0.0.1", port: 4_000),
                               sessionID: 1)
        let formats = side.makeOffer().media[0].formats
        #expect(Set(formats).count == formats.count, "\(formats)")
    }

    @Test("the Opus fmtp describes this side's pipeline: the rates it captures and plays at, and FEC (RFC 7587 §7.1)")
    func opusOfferParameters() throws {
        let wideOpus = try CallPipeline(text: wide, registry: registry).capabilities().first { $0.encoding == "opus" }
        #expect(wideOpus?.formatParameters == "maxplaybackrate=48000;sprop-maxcapturerate=48000;useinbandfec=1")
        let narrowOpus = try CallPipeline(text: narrow.replacingOccurrences(of: "null-sink", with: "resample rate=16000 ! null-sink"),
                                          registry: registry).capabilities().first { $0.encoding == "opus" }
        #expect(narrowOpus?.formatParameters?.contains("sprop-maxcapturerate=8000") == true, "\(narrowOpus as Any)")
    }

    @Test("the peer's Opus fmtp and ptime tune the encoder (RFC 7587 §7.1); the decoder always uses FEC")
    func opusTuning() throws {
        func tuned(_ fmtp: String?, ptime: Int = 20) -> (encoder: [String: ParameterValue], decoder: [String: ParameterValue]) {
            OpusParameters.tuning(NegotiatedAudio(codec: RTPMap(payloadType: 111, encoding: "opus", clockRate: 48_000, channels: 2),
                                                  formatParameters: fmtp, telephoneEvent: nil, remoteAddress: "127.0.0.1",
                                                  remotePort: 4_000, remoteRTCPPort: 4_001, direction: .sendrecv, packetTime: ptime,
                                                  remoteHold: false))
        }
        let rich = tuned("maxplaybackrate=16000; sprop-maxcapturerate=16000; maxaveragebitrate=20000; stereo=1; useinbandfec=1; usedtx=1; cbr=1",
                         ptime: 40)
        #expect(rich.encoder["max-bandwidth"] == .string("wb"))
        #expect(rich.encoder["bitrate"] == .int(20_000))
        #expect(rich.encoder["mono"] == .bool(false))
        #expect(rich.encoder["fec"] == .bool(true) && rich.encoder["dtx"] == .bool(true) && rich.encoder["vbr"] == .bool(false))
        #expect(rich.encoder["frame-duration"] == .duration(.milliseconds(40)))
        #expect(rich.decoder["fec"] == .bool(true))
        let bare = tuned(nil, ptime: 30)
        #expect(bare.encoder["mono"] == .bool(true), "stereo=0 is the default")
        #expect(bare.encoder["fec"] == nil && bare.encoder["dtx"] == nil && bare.encoder["max-bandwidth"] == nil)
        #expect(bare.encoder["frame-duration"] == .duration(.milliseconds(20)), "30 ms is no Opus frame size: the next shorter")
        let pipeline = try CallPipeline(text: wide, registry: registry)
        let negotiated = NegotiatedAudio(codec: RTPMap(payloadType: 111, encoding: "opus", clockRate: 48_000, channels: 2),
                                         formatParameters: "maxplaybackrate=8000;useinbandfec=1", telephoneEvent: nil,
                                         remoteAddress: "127.0.0.1", remotePort: 4_000, remoteRTCPPort: 4_001, direction: .sendrecv,
                                         packetTime: 60, remoteHold: false)
        let call = try pipeline.attach(negotiated, session: nil)
        let encoder = try #require(call.graph.allNodes.compactMap { $0 as? EncoderBin }.first)
        let decoder = try #require(call.graph.allNodes.compactMap { $0 as? DecoderBin }.first)
        #expect(encoder.entry.encoder.type == "opus-encoder" && decoder.entry.decoder.type == "opus-decoder")
        #expect(encoder.entry.encoder.parameters["frame-duration"] == .duration(.milliseconds(60)), "the peer's ptime")
        #expect(encoder.entry.encoder.parameters["max-bandwidth"] == .string("nb"), "the peer's maxplaybackrate=8000")
        #expect(decoder.entry.decoder.parameters["fec"] == .bool(true))
    }

    @Test("telephone-event is offered when the pipeline has a DTMF node")
    func dtmf() throws {
        let plain = try CallPipeline(text: narrow, registry: registry)
        #expect(!plain.handlesDTMF)
        let named = try CallPipeline(text: """
            sine rate=8000 ! @encoder ! @rtp-out name=tx
            dtmf-injector keep-open=true ! tx.events
            @rtp-in name=rx ! jitter-buffer ! @decoder ! null-sink
            rx.events ! dtmf-receiver
            """, registry: registry)
        #expect(named.handlesDTMF)
        var side = OfferAnswer(options: named.mediaOptions(address: "127.0.0.1", port: 4_000), sessionID: 1)
        #expect(side.makeOffer().media[0].formats == ["0", "8", "97", "96", "3", "101", "103"],
                "PCMU, PCMA, speex/8000, opus, GSM, then telephone-event at 8 kHz and at Opus's 48 kHz")
    }

    @Test("attaching to a codec the pipeline cannot carry fails with the codec and the reason")
    func misfit() throws {
        let pipeline = try CallPipeline(text: narrow, file: "call.pipeline", registry: registry)
        let negotiated = NegotiatedAudio(codec: RTPMap(payloadType: 98, encoding: "speex", clockRate: 16_000),
                                         telephoneEvent: nil, remoteAddress: "127.0.0.1", remotePort: 4_000, remoteRTCPPort: 4_001,
                                         direction: .sendrecv, packetTime: 20, remoteHold: false)
        #expect {
            _ = try pipeline.attach(negotiated, session: nil)
        } throws: { error in
            let text = "\(error)"
            return text.contains("the negotiated codec speex/16000 does not fit call.pipeline") && text.contains("16000")
        }
        let unknown = NegotiatedAudio(codec: RTPMap(payloadType: 18, encoding: "G729", clockRate: 8_000),
                                      telephoneEvent: nil, remoteAddress: "127.0.0.1", remotePort: 4_000, remoteRTCPPort: 4_001,
                                      direction: .sendrecv, packetTime: 20, remoteHold: false)
        #expect(throws: GraphBuildError.self) { try pipeline.attach(unknown, session: nil) }
    }

    @Test("two attached graphs talk over RTP: a 1 kHz tone arrives as a 1 kHz tone", arguments: ["PCMU", "speex"])
    func loopbackCall(codec: String) async throws {
        let recording = try scratch().appendingPathComponent("b.wav").path
        let call = try VirtualCallMedia(
            caller: "sine freq=1000 rate=48000 level=-12dB ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink",
            callee: "silence rate=48000 ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! wav-recorder path=\(recording)",
            codecs: { $0.encoding.hasPrefix(codec) }, registry: registry)
        try await call.run(for: .milliseconds(1_500))
        await call.stop()
        let (heard, rate) = try readBack(recording)
        // All of it but what the jitter buffer (60 ms) still held when the call stopped.
        let seconds = Double(heard.count) / Double(max(rate, 1))
        #expect(seconds > 1.42 && seconds <= 1.5, "1.5 s of media: \(heard.count) samples at \(rate) Hz")
        let frequency = AudioCheck.dominantFrequency(Array(heard.suffix(rate / 2)), sampleRate: rate)
        #expect(abs(frequency - 1_000) < 20, "heard \(frequency) Hz")
    }

    @Test("offer/answer changes the codec while media flows: PCMU → PCMA → speex/16000 → PCMU, the tone keeps its frequency and the recording its length")
    func codecChanges() async throws {
        let recording = try scratch().appendingPathComponent("b.wav").path
        let call = try VirtualCallMedia(
            caller: "sine freq=1000 rate=48000 level=-12dB ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink",
            callee: "silence rate=48000 ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! wav-recorder path=\(recording)",
            codecs: { $0.encoding == "PCMU" }, registry: registry)
        #expect(call.callerGraph.codec.description == "PCMU/8000")
        for codec in ["PCMA/8000", "speex/16000", "PCMU/8000"] {
            try await call.run(for: .seconds(2))
            try call.renegotiate { $0.description == codec }
            #expect(call.callerGraph.codec.description == codec && call.calleeGraph.codec.description == codec)
        }
        try await call.run(for: .seconds(2))
        let summaries = await call.stop()
        let (heard, rate) = try readBack(recording)
        #expect(rate == 8_000, "the callee's decoder keeps the rate it started with")
        let seconds = Double(heard.count) / Double(max(rate, 1))
        #expect(seconds > 7.85 && seconds <= 8, "8 s of media time, less the jitter buffer's 60 ms: \(seconds) s")
        for second in [1, 3, 5, 6] where heard.count >= (second + 1) * rate {
            let slice = Array(heard[(second * rate + rate / 2)..<((second + 1) * rate + rate / 2)])
            let frequency = AudioCheck.dominantFrequency(slice, sampleRate: rate)
            #expect(abs(frequency - 1_000) < 20, "second \(second): \(frequency) Hz")
            #expect(AudioCheck.rms(slice) > 1_000, "second \(second) is not silent")
        }
        // Packets of the old codec still in flight when a receiver switched are dropped (at most a
        // tick's worth per change and direction), never mistaken for the new one.
        let stale = summaries.compactMap { line -> Int? in
            guard let range = line.range(of: " of the previous codec") else { return nil }
            return Int(line[..<range.lowerBound].split(separator: " ").last ?? "")
        }
        #expect(stale.reduce(0, +) <= 6, "\(summaries)")
        #expect(summaries.contains { $0.contains("3 codec change(s)") }, "\(summaries)")
        #expect(!summaries.contains { $0.contains("unknown payload type") }, "no packet arrived with a payload type the receiver did not expect: \(summaries)")
    }

    func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("call-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func readBack(_ path: String) throws -> ([Int16], Int) {
        let h = try NodeHarness(pipeline: "wav-player path=\(path)", registry: registry)
        h.clock.advance(by: .seconds(60))
        let samples = h.outputSamples()
        let rate = h.negotiatedOutput?.clockRate ?? 0
        try h.finish()
        return (samples, rate)
    }
}
