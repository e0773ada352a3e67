import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One way of encrypting a call, as each side is told to use it.
struct EncryptionMode: Sendable, CustomStringConvertible {
    /// For test names.
    var name: String
    /// baresip's account `mediaenc` (its `srtp` and `dtls_srtp` modules).
    var mediaenc: String
    /// Callwire's flags.
    var flags: [String]
    /// What Callwire's `codec` event says protects the media.
    var security: String
    /// What baresip's log says once the media is secure.
    var baresipLog: String

    var description: String { name }

    static let all = [
        EncryptionMode(name: "SDES best effort (RTP/AVP with a=crypto)", mediaenc: "srtp", flags: [],
                       security: "encrypted: AES_CM_128_HMAC_SHA1_80 (SDES)", baresipLog: "Using media encryption 'srtp'"),
        EncryptionMode(name: "SDES mandatory (RTP/SAVP)", mediaenc: "srtp-mand", flags: ["--srtp=mandatory"],
                       security: "encrypted: AES_CM_128_HMAC_SHA1_80 (SDES)", baresipLog: "Using media encryption 'srtp-mand'"),
        EncryptionMode(name: "DTLS-SRTP", mediaenc: "dtls_srtp", flags: ["--srtp-keying=dtls"],
                       security: "encrypted: DTLS-SRTP", baresipLog: "DTLS-SRTP complete (audio/RTP)"),
    ]
}

/// Encrypted calls with baresip's `srtp` and `dtls_srtp` modules on 127.0.0.1, both ways:
/// speech and DTMF checked as in the plain tests, the RTP ports captured (raw socket) to show no
/// clear media, the `-v` trace checked for the SDES keys seen on the wire, and the refusals
/// (a plain offer to a mandatory side, a certificate that is not the promised one).
@Suite("Interop with baresip: SRTP (SDES, DTLS-SRTP)", .serialized)
struct BaresipSRTPTests {
    static let sentence = "please leave a message after the tone"
    /// Callwire sends a 1 kHz tone (period 8 at 8 kHz), recognizes what it hears, and has DTMF.
    static let tonePipeline = """
        sine freq=1000 rate=8000 level=-10dB ! @encoder ! @rtp-out name=tx
        dtmf-injector name=keys keep-open=true ! tx.events
        @rtp-in name=rx ! jitter-buffer ! @decoder ! resample ! recognizer
        rx.events ! dtmf-receiver
        """

    func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// baresip with its SRTP modules, an account that encrypts per `mediaenc` (none: plain).
    func baresip(source: String, directory: URL, mediaenc: String?) async throws -> (BaresipHome, PeerProcess) {
        let home = try BaresipHome(name: "baresip", directory: directory, source: source,
                                   accountParameters: "audio_codecs=PCMU" + (mediaenc.map { ";mediaenc=\($0)" } ?? ""),
                                   modules: ["srtp.so", "dtls_srtp.so"])
        return (home, try await home.start())
    }

    /// The keys in every `a=crypto … inline:KEY` of the captured SIP.
    func sdesKeys(in capture: PacketCapture, sipPort: Int) -> [String] {
        let sip = capture.datagrams.filter { $0.source == sipPort || $0.destination == sipPort }
        return sip.flatMap { datagram -> [String] in
            let text = String(decoding: datagram.payload, as: UTF8.self)
            return text.components(separatedBy: "inline:").dropFirst().compactMap { rest in
                let key = rest.prefix { !"|; \r\n".contains($0) }
                return key.isEmpty ? nil : String(key)
            }
        }
    }

    /// DTMF both ways: Callwire's typed keys reach baresip, baresip's keys reach Callwire.
    func checkDTMF(callwire: PeerProcess, control: ControlConnection) async throws {
        callwire.type("159#")
        var keys: [String] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while keys.count < 4 && ContinuousClock.now < deadline {
            keys += control.events().filter { $0["type"] as? String == "CALL_DTMF_START" }.compactMap { $0["param"] as? String }
        }
        #expect(keys.joined() == "159#", "baresip reported \(keys)")
        try control.send(command: "sndcode", params: "7")
        try await callwire.waitFor("received DTMF digit 7")
    }

    @Test("Callwire calls baresip: encrypted both ways, speech and DTMF both ways, no clear tone on the wire, no key in -v",
          arguments: EncryptionMode.all)
    func callwireCalls(mode: EncryptionMode) async throws {
        let directory = try scratch("baresip-srtp")
        let spoken = directory.appendingPathComponent("spoken.wav").path, prompt = directory.appendingPathComponent("prompt.wav").path
        #expect(try runTool("flite", package: "flite", ["-voice", "rms", "-t", Self.sentence, "-o", spoken]) == 0)
        #expect(try runTool("sox", package: "sox", [spoken, "-r", "8000", "-c", "1", "-b", "16", prompt, "pad", "0.5", "8"]) == 0)
        let (home, baresip) = try await baresip(source: prompt, directory: directory, mediaenc: mode.mediaenc)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        let rtp = try rtpRange(of: home)
        let capture = try PacketCapture(ports: Set(rtp).union([home.sipPort]))
        let control = try ControlConnection(port: home.controlPort)
        let callwire = try PeerProcess(try callwirePath(), ["--to=sip:bare@127.0.0.1:\(home.sipPort)", "--pipeline", Self.tonePipeline,
                                                            "--duration=12", "--int-ip=127.0.0.1", "--port=0", "-v"] + mode.flags)
        try await callwire.waitFor("media: PCMU/8000 (payload type 0), \(mode.security)", timeout: .seconds(30))
        try await baresip.waitFor(mode.baresipLog)
        try await Task.sleep(for: .seconds(1))
        try await checkDTMF(callwire: callwire, control: control)
        callwire.endInput()
        #expect(await callwire.finish(timeout: .seconds(30)) == 0, "\(callwire.text.suffix(3_000))")
        capture.stop()
        #expect(callwire.text.contains("recognizer: recognized \"\(Self.sentence)\"")
                || callwire.text.contains("\n" + Self.sentence + "\n"), "recognized: \(callwire.text.suffix(2_000))")

        // What an eavesdropper on the RTP port sees: SRTP, never the tone Callwire sends.
        let media = capture.datagrams.filter { rtp.contains($0.source) || rtp.contains($0.destination) }
        #expect(media.count > 200, "the capture has the call's media: \(media.count) datagrams")
        #expect(!media.contains { isClearTone($0.payload) }, "no datagram carries the tone's G.711 bytes in the clear")
        if mode.mediaenc.hasPrefix("srtp") {
            let keys = sdesKeys(in: capture, sipPort: home.sipPort)
            #expect(keys.count >= 2, "keys seen on the wire: an offer and an answer")
            for key in keys { #expect(!callwire.text.contains(key), "the -v trace shows an SDES key") }
            #expect(callwire.text.contains("inline:[key not shown]"))
        }
    }

    @Test("baresip calls Callwire: encrypted both ways, typed speech recognized from baresip's recording, DTMF both ways",
          arguments: EncryptionMode.all)
    func baresipCalls(mode: EncryptionMode) async throws {
        let directory = try scratch("baresip-srtp-listen")
        let silence = directory.appendingPathComponent("silence.wav").path
        #expect(try runTool("sox", package: "sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", silence,
                                                    "trim", "0", "30"]) == 0)
        let port = FreePort.next([.udp, .tcp])
        let pipeline = "tts voice=rms keep-open=true ! resample ! @encoder ! @rtp-out name=tx  dtmf-injector name=keys keep-open=true ! tx.events"
            + "  @rtp-in name=rx ! jitter-buffer ! @decoder ! null-sink  rx.events ! dtmf-receiver"
        let callwire = try PeerProcess(try callwirePath(), ["--listen", "--textspeech", "--pipeline", pipeline, "--auto-respond-after=0.2",
                                                            "--int-ip=127.0.0.1", "--port=\(port)"] + mode.flags)
        defer { kill(callwire.process.processIdentifier, SIGKILL) }
        let (home, baresip) = try await baresip(source: silence, directory: directory, mediaenc: mode.mediaenc)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        let control = try ControlConnection(port: home.controlPort)
        try control.send(command: "dial", params: "sip:alice@127.0.0.1:\(port)")
        do {
            try await callwire.waitFor("media: PCMU/8000 (payload type 0), \(mode.security)", timeout: .seconds(30))
            try await baresip.waitFor(mode.baresipLog)
        } catch {
            Issue.record("baresip said:\n\(baresip.text.suffix(2_000))")
            throw error
        }
        try await Task.sleep(for: .seconds(1))
        try await checkDTMF(callwire: callwire, control: control)
        callwire.type(Self.sentence)
        try await Task.sleep(for: .seconds(5))
        try control.send(command: "hangup", params: "")
        try await callwire.waitFor("call closed by remote party")
        let recognized = try PeerProcess(try callwirePath(), ["pipeline", "run", "wav-player path=\"\(try home.decodedRecording())\" ! recognizer"])
        #expect(await recognized.finish(timeout: .seconds(60)) == 0)
        #expect(recognized.text.contains("recognized \"\(Self.sentence)\""), "\(recognized.text)")
    }

    @Test("control: the same capture of a plain call does find the tone in the clear")
    func plainControl() async throws {
        let directory = try scratch("baresip-plain-capture")
        let silence = directory.appendingPathComponent("silence.wav").path
        #expect(try runTool("sox", package: "sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", silence,
                                                    "trim", "0", "10"]) == 0)
        let (home, baresip) = try await baresip(source: silence, directory: directory, mediaenc: nil)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        let rtp = try rtpRange(of: home)
        let capture = try PacketCapture(ports: Set(rtp))
        let callwire = try PeerProcess(try callwirePath(), ["--to=sip:bare@127.0.0.1:\(home.sipPort)", "--pipeline", Self.tonePipeline,
                                                            "--duration=3", "--int-ip=127.0.0.1", "--port=0"])
        callwire.endInput()
        #expect(await callwire.finish(timeout: .seconds(30)) == 0, "\(callwire.text)")
        #expect(callwire.text.contains("media: PCMU/8000 (payload type 0), unencrypted"))
        capture.stop()
        #expect(capture.datagrams.filter { isClearTone($0.payload) }.count > 50, "the detector sees a clear tone")
    }

    @Test("--srtp mandatory: a plain offer gets 488 with a Warning that says encryption is required")
    func mandatoryRefusesPlain() async throws {
        let directory = try scratch("baresip-srtp-488")
        let silence = directory.appendingPathComponent("silence.wav").path
        #expect(try runTool("sox", package: "sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", silence,
                                                    "trim", "0", "10"]) == 0)
        let port = FreePort.next([.udp, .tcp])
        let callwire = try PeerProcess(try callwirePath(), ["--listen", "--no-audio", "--srtp=mandatory", "-v", "--int-ip=127.0.0.1",
                                                            "--port=\(port)"])
        defer { kill(callwire.process.processIdentifier, SIGKILL) }
        let (home, baresip) = try await baresip(source: silence, directory: directory, mediaenc: nil)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        let control = try ControlConnection(port: home.controlPort)
        try control.send(command: "dial", params: "sip:alice@127.0.0.1:\(port)")
        try await callwire.waitFor("SIP/2.0 488 Not Acceptable Here")
        try await Readiness.wait(for: "the Warning in the trace", timeout: .seconds(5)) {
            callwire.text.contains("Warning: 302") && callwire.text.contains("requires encrypted media")
        }
        try await baresip.waitFor("488")
    }

    @Test("DTLS-SRTP: a certificate that does not match the SDP's a=fingerprint ends the call with an error naming both")
    func fingerprintMismatch() async throws {
        let directory = try scratch("baresip-dtls-mitm")
        let silence = directory.appendingPathComponent("silence.wav").path
        #expect(try runTool("sox", package: "sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", silence,
                                                    "trim", "0", "20"]) == 0)
        let port = FreePort.next([.udp, .tcp])
        let callwire = try PeerProcess(try callwirePath(), ["--listen", "--no-audio", "--int-ip=127.0.0.1", "--port=\(port)"])
        defer { kill(callwire.process.processIdentifier, SIGKILL) }
        let relay = try TamperingRelay(to: port)
        defer { relay.stop() }
        let (home, baresip) = try await baresip(source: silence, directory: directory, mediaenc: "dtls_srtp")
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        let control = try ControlConnection(port: home.controlPort)
        try control.send(command: "dial", params: "sip:alice@127.0.0.1:\(relay.port)")
        try await callwire.waitFor("DTLS-SRTP failed", timeout: .seconds(30))
        #expect(relay.tampered >= 1)
        #expect(callwire.text.contains("certificate has fingerprint sha-256") && callwire.text.contains("a=fingerprint says"),
                "\(callwire.text.suffix(2_000))")
        try await callwire.waitFor("call closed")
        #expect(!callwire.text.contains("media encrypted:"))
    }

    /// The RTP ports baresip may use, from its config.
    func rtpRange(of home: BaresipHome) throws -> ClosedRange<Int> {
        let config = try String(contentsOf: home.directory.appendingPathComponent("config"), encoding: .utf8)
        guard let line = config.split(separator: "\n").first(where: { $0.hasPrefix("rtp_ports") }),
              let range = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last?.split(separator: "-"),
              range.count == 2, let low = Int(range[0]), let high = Int(range[1]) else {
            throw InteropFailure("no rtp_ports in baresip's config")
        }
        return low...high
    }
}
