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
        #expect(all.map(\.description) == ["speex/16000", "opus/48000/2", "G722/8000", "PCMU/8000", "PCMA/8000", "speex/8000",
                                           "GSM/8000", "speex/32000"])
        let eightOnly = try CallPipeline(text: narrow, registry: registry).capabilities()
        #expect(eightOnly.map(\.description) == ["opus/48000/2", "PCMU/8000", "PCMA/8000", "speex/8000", "GSM/8000"],
                "Opus codes 8 kHz audio too; G.722 needs 16 kHz")
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
        let graph = try pipeline.attach(negotiated, session: nil)
        let types = graph.allNodes.map { type(of: $0).descriptor.name }
        #expect(types.contains("opus-encoder") && types.contains("opus-decoder"), "\(types)")
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
        #expect(side.makeOffer().media[0].formats == ["96", "0", "8", "97", "3", "101", "102"],
                "opus, PCMU, PCMA, speex/8000, GSM, then telephone-event at 8 kHz and at Opus's 48 kHz")
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

    @Test("two attached graphs talk over RTP on loopback: a 1 kHz tone arrives as a 1 kHz tone", arguments: ["PCMU", "speex"])
    func loopbackCall(codec: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("call-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let recording = directory.appendingPathComponent("b.wav").path
        let caller = try CallPipeline(text: "sine freq=1000 rate=48000 level=-12dB ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink",
                                      registry: registry)
        let callee = try CallPipeline(text: "silence rate=48000 ! resample ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! wav-recorder path=\(recording)",
                                      registry: registry)
        let a = try await RTPSession.bind(host: "127.0.0.1"), b = try await RTPSession.bind(host: "127.0.0.1")
        var offerer = OfferAnswer(options: caller.mediaOptions(address: "127.0.0.1", port: a.rtpPort), sessionID: 1)
        var answerer = OfferAnswer(options: callee.mediaOptions(address: "127.0.0.1", port: b.rtpPort), sessionID: 2)
        offerer.options.codecs = offerer.options.codecs.filter { $0.encoding.hasPrefix(codec) }
        let (answer, calleeMedia) = try answerer.makeAnswer(to: offerer.makeOffer())
        let callerMedia = try offerer.acceptAnswer(answer)
        a.setRemote(rtp: try SocketAddress(ipAddress: callerMedia.remoteAddress, port: callerMedia.remotePort),
                    rtcp: try SocketAddress(ipAddress: callerMedia.remoteAddress, port: callerMedia.remoteRTCPPort))
        b.setRemote(rtp: try SocketAddress(ipAddress: calleeMedia.remoteAddress, port: calleeMedia.remotePort),
                    rtcp: try SocketAddress(ipAddress: calleeMedia.remoteAddress, port: calleeMedia.remoteRTCPPort))
        let graphA = try caller.attach(callerMedia, session: a), graphB = try callee.attach(calleeMedia, session: b)
        async let runA: GraphRunReport = runRealtime(graphA, seconds: 1.5)
        async let runB: GraphRunReport = runRealtime(graphB, seconds: 1.5)
        _ = try await (runA, runB)
        await a.close()
        await b.close()
        let h = try NodeHarness(pipeline: "wav-player path=\(recording)", registry: registry)
        h.clock.advance(by: .seconds(10))
        let heard = h.outputSamples()
        let rate = h.negotiatedOutput?.clockRate ?? 0
        try h.finish()
        #expect(Double(heard.count) / Double(rate) > 1.2, "most of 1.5 s arrived: \(heard.count) samples at \(rate) Hz")
        let tail = Array(heard.suffix(rate / 2))
        let frequency = AudioCheck.dominantFrequency(tail, sampleRate: rate)
        #expect(abs(frequency - 1_000) < 20, "heard \(frequency) Hz")
    }

    func runRealtime(_ graph: Graph, seconds: Double) async throws -> GraphRunReport {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try graph.run(clock: RealtimeClock(), limit: .seconds(seconds)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
