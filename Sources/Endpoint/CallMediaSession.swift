import CallMedia
import Dispatch
import Foundation
import MediaCore
import NIOCore
import RTPSession
import SDP
import Synchronization

/// One call's media: its RTP session, its side of offer/answer, and its graph once the codec
/// is settled (DESIGN.md §4). The graph runs on its own thread on the real-time clock.
final class CallMediaSession: @unchecked Sendable {
    let session: RTPSession
    private let pipeline: CallPipeline
    private var negotiation: OfferAnswer
    private let state = Mutex(RunState())
    private let done = DispatchGroup()
    let callID: String
    private let report: @Sendable (CallerEvent) -> Void
    private let security: CallSecurity
    /// Whether the SIP transport of this call is encrypted (TLS): SDES keys are only as safe as it.
    private let signallingEncrypted: Bool
    /// Called when keying fails after the call is up (a DTLS handshake that fails or times out):
    /// the call must end, its media cannot flow safely.
    var onSecurityFailure: (@Sendable (String) -> Void)?

    struct RunState {
        var graph: Graph?
        var negotiated: NegotiatedAudio?
        var runError: String?
        var mediaSeconds = 0.0
        /// What was applied to the sockets (re-offers with the same keys change nothing).
        var applied: NegotiatedSecurity??
        var warnedSDES = false
    }

    /// Creates the media side of a call on a bound RTP session.
    /// - Parameters:
    ///   - codecs: offer only these (`PCMU`, `speex/16000`), in this order; empty: all.
    ///   - security: how the media is encrypted (keys for this call are made here).
    ///   - signallingEncrypted: whether the call's SIP goes over TLS.
    init(callID: String, pipeline: CallPipeline, session: RTPSession, address: String, codecs: [String],
         security: CallSecurity, signallingEncrypted: Bool, report: @escaping @Sendable (CallerEvent) -> Void) {
        self.callID = callID
        self.pipeline = pipeline
        self.session = session
        self.report = report
        self.security = security
        self.signallingEncrypted = signallingEncrypted
        var options = pipeline.mediaOptions(address: address, port: session.rtpPort)
        options.security = security.mediaSecurity()
        if !codecs.isEmpty {
            options.codecs = codecs.flatMap { wanted in
                options.codecs.filter { codec in
                    let name = wanted.lowercased()
                    return codec.description.lowercased() == name || codec.encoding.lowercased() == name
                }
            }
        }
        negotiation = OfferAnswer(options: options, sessionID: UInt64.random(in: 1...UInt64(UInt32.max)))
    }

    /// Whether the offer has any codec at all (`--codecs` may have filtered them all out).
    var hasCodecs: Bool { !negotiation.options.codecs.isEmpty }

    /// Our offer (for an INVITE, or a 2xx to an INVITE without one).
    func offer(lineEnding: String) -> [UInt8] {
        let offer = negotiation.makeOffer()
        if offer.media.contains(where: { !$0.attributes.all("crypto").isEmpty }) { warnAboutSDES() }
        return sdpBytes(offer, lineEnding: lineEnding)
    }

    /// Why the last offer was refused, as a Warning header value (RFC 3261 §20.43) for the 488.
    private(set) var rejectionWarning: String?

    /// Answers the peer's offer, remembers the settled media and keys the sockets for it.
    func answer(_ body: [UInt8], lineEnding: String, agent: String = "callwire") throws(CallerError) -> [UInt8] {
        let answer: SessionDescription, media: NegotiatedAudio
        do {
            let offer = try SessionDescription(parsing: body)
            (answer, media) = try negotiation.makeAnswer(to: offer)
        } catch let error as NegotiationError {
            rejectionWarning = error.warningHeader(agent: agent)
            throw .media("incompatible SDP: \(error)")
        } catch {
            throw .media("incompatible SDP: \(error)")
        }
        state.withLock { $0.negotiated = media }
        try secure(media)
        return sdpBytes(answer, lineEnding: lineEnding)
    }

    /// Takes the peer's answer to our offer, and keys the sockets for it.
    func accept(answer body: [UInt8]) throws(CallerError) {
        let media: NegotiatedAudio
        do {
            let answer = try SessionDescription(parsing: body)
            media = try negotiation.acceptAnswer(answer)
        } catch {
            throw .media("invalid media in the answer: \(error)")
        }
        state.withLock { $0.negotiated = media }
        try secure(media)
    }

    /// What protects the media now (`AES_CM_128_HMAC_SHA1_80 (SDES)`, `unencrypted`, …), for
    /// listings of the calls.
    var securityStatus: String { CallSecurity.status(of: session) }

    /// Keys the sockets as offer/answer settled (once per change of keys).
    private func secure(_ media: NegotiatedAudio) throws(CallerError) {
        let changed = state.withLock { s -> Bool in
            guard s.applied != .some(media.security) else { return false }
            s.applied = .some(media.security)
            return true
        }
        guard changed else { return }
        if case .sdes = media.security { warnAboutSDES() }
        let remote = try? (rtp: SocketAddress(ipAddress: media.remoteAddress, port: media.remotePort),
                           rtcp: SocketAddress(ipAddress: media.remoteAddress, port: media.remoteRTCPPort))
        let callID = callID, report = report
        try security.apply(media.security, to: session, remote: remote) { [weak self] result in
            switch result {
            case .success(let suite):
                report(.log(level: .info, text: "media encrypted: \(suite) (DTLS-SRTP, the peer's certificate matches its a=fingerprint)"))
            case .failure(let error):
                report(.log(level: .error, text: "call \(callID): DTLS-SRTP failed: \(error)"))
                self?.onSecurityFailure?("DTLS-SRTP failed: \(error)")
            }
        }
    }

    /// RFC 4568 §8.3: SDES keys are only as confidential as the signalling that carries them.
    private func warnAboutSDES() {
        guard !signallingEncrypted, !state.withLock({ s in defer { s.warnedSDES = true }; return s.warnedSDES }) else { return }
        report(.log(level: .warning, text: "SDES keys (a=crypto) travel in this call's SDP over unencrypted signalling: "
                    + "whoever sees the SIP can decrypt the media; use --transport=tls, or --srtp-keying=dtls"))
    }

    /// Whether offer/answer has settled the media.
    var isNegotiated: Bool { state.withLock { $0.negotiated != nil } }

    /// Whether the graph is running.
    var isRunning: Bool { state.withLock { $0.graph != nil } }

    /// Builds the graph for the settled media, points RTP at the peer and starts the graph.
    func start() throws(CallerError) {
        guard let media = state.withLock({ $0.graph == nil ? $0.negotiated : nil }) else { return }
        session.setClockRate(media.codec.clockRate)
        do {
            session.setRemote(rtp: try SocketAddress(ipAddress: media.remoteAddress, port: media.remotePort),
                              rtcp: try SocketAddress(ipAddress: media.remoteAddress, port: media.remoteRTCPPort))
        } catch {
            throw .media("the peer's media address \(media.remoteAddress):\(media.remotePort) is not usable: \(error)")
        }
        let graph: Graph
        do {
            graph = try pipeline.attach(media, session: session).graph
        } catch {
            throw .media(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        report(.codec(call: callID, codec: "\(media.codec.encoding)/\(media.codec.clockRate)", payloadType: media.codec.payloadType,
                      telephoneEvent: media.telephoneEvent?.payloadType, security: media.security?.description ?? "unencrypted"))
        let types = Dictionary(graph.nodeInfo.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let callID = callID, report = report
        graph.setMessageHandler { message in
            switch message.event {
            case .dtmf(let digit, _, _) where types[message.node] != "dtmf-injector":
                report(.dtmfReceived(call: callID, digit: digit.description))
            case .recognized(let text, let start, let end, _):
                report(.recognized(call: callID, text: text, start: start.seconds, end: end.seconds))
            default:
                break
            }
        }
        state.withLock { $0.graph = graph }
        done.enter()
        let thread = Thread { [self] in
            do {
                let result = try graph.run(clock: RealtimeClock())
                state.withLock { $0.mediaSeconds = result.mediaDuration.secondsDouble }
            } catch {
                state.withLock { $0.runError = "\(error)" }
                report(.log(level: .error, text: "media stopped: \(error)"))
            }
            done.leave()
        }
        thread.start()
    }

    /// Sends DTMF keys through the pipeline's `dtmf-injector`.
    /// - Returns: false when the pipeline has none.
    func send(digits: String) -> Bool {
        node(ofType: "dtmf-injector").map { $0.graph.send(.text(digits), to: $0.name) } ?? false
    }

    /// Speaks `text` through the pipeline's `tts` node.
    func speak(_ text: String) -> Bool {
        node(ofType: "tts").map { $0.graph.send(.text(text), to: $0.name) } ?? false
    }

    private func node(ofType type: String) -> (graph: Graph, name: String)? {
        guard let graph = state.withLock({ $0.graph }),
              let info = graph.nodeInfo.first(where: { $0.type == type }) else { return nil }
        return (graph, info.name)
    }

    /// Stops the graph (recorders finalize their files), reports what was received and what
    /// was written, and closes the RTP session.
    func stop(recording: String?) async {
        let graph = state.withLock { $0.graph }
        if let graph {
            graph.requestStop()
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                done.notify(queue: .global()) { continuation.resume() }
            }
            let reception = session.reception
            report(.rtpStatistics(call: callID, received: reception.received, lost: reception.lost,
                                  jitterMilliseconds: reception.jitter * 1_000))
            if let recording {
                report(.fileWritten(path: recording, seconds: state.withLock { $0.mediaSeconds }))
            }
        }
        await session.close()
    }
}

/// SDP text with CRLF, or LF for `--use-lf` peers.
private func sdpBytes(_ description: SessionDescription, lineEnding: String) -> [UInt8] {
    let text = description.text
    return Array((lineEnding == "\r\n" ? text : text.replacingOccurrences(of: "\r\n", with: lineEnding)).utf8)
}
