import CallMedia
import Foundation
import MediaCore
import NIOCore
import RTPSession
import SDP

/// One call's media: its RTP session, its side of offer/answer, and its graph once the codec is
/// settled (DESIGN.md §4, §8). Every offer/answer produces a ``NegotiatedAudio`` and
/// ``apply(_:)`` reconciles the running graph with it — codec (the bins swap it), remote address
/// (RTP re-targets), direction (a held side stops sending) — without stopping recorders,
/// recognizers or events.
///
/// Confined to the endpoint's event loop; the graph runs on the endpoint's ``GraphScheduler``.
final class CallMediaSession: @unchecked Sendable {
    let session: RTPSession
    private let pipeline: CallPipeline
    private let catalog: CodecCatalog
    private let scheduler: any GraphScheduler
    private(set) var negotiation: OfferAnswer
    private let allCodecs: [CodecCapability]
    private let fields: CallFields
    let callID: String
    /// The expanded `--record` path of this call, for the `file_written` event.
    let recording: String?
    private let report: @Sendable (CallerEvent) -> Void
    private let callEvent: @Sendable (CallEvent) -> Void
    private let eventLoop: any EventLoop
    /// How the media is encrypted (SRTP), and whether the call's SIP goes over TLS (SDES keys
    /// are only as confidential as the signalling that carries them).
    private let security: CallSecurity
    private let signallingEncrypted: Bool
    /// What was applied to the sockets (a re-offer with the same keys changes nothing).
    private var appliedSecurity: NegotiatedSecurity??
    private var warnedSDES = false
    /// Called on the loop when keying fails while the call is up (a DTLS handshake that fails
    /// or times out): the call must end, its media cannot flow safely.
    var onSecurityFailure: (@Sendable (String) -> Void)?

    private(set) var graph: CallGraph?
    private var ticket: GraphTicket?
    private(set) var current: NegotiatedAudio?
    private var stopping = false

    /// Creates the media side of a call on a bound RTP session.
    /// - Parameter codecs: offer only these (`PCMU`, `speex/16000`), in this order; empty: all.
    /// - Parameters:
    ///   - security: the endpoint's media security (this call's SDES keys are made here).
    ///   - signallingEncrypted: whether the call's SIP goes over TLS.
    init(callID: String, pipeline: CallPipeline, session: RTPSession, address: String, codecs: [String], fields: CallFields,
         recording: String?, scheduler: any GraphScheduler, registry: NodeRegistry, eventLoop: any EventLoop,
         security: CallSecurity, signallingEncrypted: Bool,
         report: @escaping @Sendable (CallerEvent) -> Void, callEvent: @escaping @Sendable (CallEvent) -> Void) {
        self.security = security
        self.signallingEncrypted = signallingEncrypted
        self.callID = callID
        self.eventLoop = eventLoop
        self.pipeline = pipeline
        self.session = session
        self.fields = fields
        self.recording = recording
        self.scheduler = scheduler
        self.report = report
        self.callEvent = callEvent
        catalog = CodecCatalog.all.installed(in: registry)
        var options = pipeline.mediaOptions(address: address, port: session.rtpPort)
        if !codecs.isEmpty { options.codecs = Self.filter(options.codecs, by: codecs) }
        options.security = security.mediaSecurity()
        allCodecs = options.codecs
        negotiation = OfferAnswer(options: options, sessionID: UInt64.random(in: 1...UInt64(UInt32.max)))
    }

    /// `codecs` named by `names` (`PCMU`, `speex/16000`), in the order of `names`, each once.
    private static func filter(_ codecs: [CodecCapability], by names: [String]) -> [CodecCapability] {
        var chosen: [CodecCapability] = []
        for wanted in names {
            let name = wanted.lowercased()
            for codec in codecs where codec.description.lowercased() == name || codec.encoding.lowercased() == name {
                if !chosen.contains(codec) { chosen.append(codec) }
            }
        }
        return chosen
    }

    /// Whether the offer has any codec at all (`--codecs` may have filtered them all out).
    var hasCodecs: Bool { !negotiation.options.codecs.isEmpty }

    /// The codecs this call can offer (after `--codecs`).
    var codecNames: [String] { allCodecs.map(\.description) }

    /// Whether the graph is running.
    var isRunning: Bool { graph != nil }

    // MARK: Offer/answer

    /// Our offer (an INVITE, a re-INVITE, or a 2xx to an INVITE without one).
    func offer(lineEnding: String) -> [UInt8] {
        let offer = negotiation.makeOffer()
        if offer.media.contains(where: { !$0.attributes.all("crypto").isEmpty }) { warnAboutSDES() }
        return sdpBytes(offer, lineEnding: lineEnding)
    }

    /// Answers the peer's offer: our answer and the media it settles. Nothing changes when the
    /// offer cannot be accepted.
    func answer(_ body: [UInt8], lineEnding: String) throws(NegotiationError) -> ([UInt8], NegotiatedAudio) {
        let offer: SessionDescription
        do {
            offer = try SessionDescription(parsing: body)
        } catch {
            throw NegotiationError(warningCode: 399, reason: "the offer is not valid SDP: \(error)")
        }
        let (answer, media) = try negotiation.makeAnswer(to: offer)
        return (sdpBytes(answer, lineEnding: lineEnding), media)
    }

    /// Takes the peer's answer to our offer.
    func accept(answer body: [UInt8]) throws(NegotiationError) -> NegotiatedAudio {
        let answer: SessionDescription
        do {
            answer = try SessionDescription(parsing: body)
        } catch {
            throw NegotiationError(warningCode: 399, reason: "the answer is not valid SDP: \(error)")
        }
        return try negotiation.acceptAnswer(answer)
    }

    /// Our direction in the next offers: `sendonly` while we hold the call (RFC 3264 §8.4),
    /// `inactive` when the far end holds it too, else `sendrecv`.
    func setLocalHold(_ hold: Bool) {
        let remoteHolds = current?.remoteHold ?? false
        negotiation.options.direction = hold ? (remoteHolds ? .inactive : .sendonly) : .sendrecv
    }

    /// Limits the next offers to `names` (`PCMA`, `speex/16000`), or all the call's codecs for an
    /// empty list. Returns false when none of them is a codec of this call.
    func restrictCodecs(to names: [String]) -> Bool {
        let chosen = names.isEmpty ? allCodecs : Self.filter(allCodecs, by: names)
        guard !chosen.isEmpty else { return false }
        negotiation.options.codecs = chosen
        return true
    }

    // MARK: The running graph

    /// Makes the media follow `media`: starts the graph the first time, then changes the codec,
    /// re-targets RTP and starts or stops sending as the direction says.
    func apply(_ media: NegotiatedAudio) throws(CallerError) {
        try secure(media)
        do {
            session.setRemote(rtp: try SocketAddress(ipAddress: media.remoteAddress, port: media.remotePort),
                              rtcp: try SocketAddress(ipAddress: media.remoteAddress, port: media.remoteRTCPPort))
        } catch {
            if media.direction.sends {
                throw .media("the peer's media address \(media.remoteAddress):\(media.remotePort) is not usable: \(error)")
            }
        }
        // RFC 3264 §8.4: a stream we may not send on (the peer holds, or we hold with inactive)
        // sends no RTP; RTCP goes on. The old hold address 0.0.0.0 is never a target.
        session.setSending(media.direction.sends && media.remoteAddress != "0.0.0.0")
        let previous = current
        current = media
        if let graph {
            if graph.change(to: media, catalog: catalog) == true { reportCodec(media) }
            if previous?.direction != media.direction { reportDirection(media) }
            return
        }
        session.setClockRate(media.codec.clockRate)
        let attached: CallGraph
        do {
            attached = try pipeline.attach(media, session: session, fields: fields)
        } catch {
            throw .media(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        graph = attached
        reportCodec(media)
        let types = Dictionary(attached.graph.nodeInfo.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let callID = callID, report = report, callEvent = callEvent
        attached.graph.setMessageHandler { message in
            switch message.event {
            case .dtmf(let digit, _, _) where types[message.node] != "dtmf-injector":
                let method = types[message.node] == "dtmf-detector" ? "inband" : "rfc4733"
                report(.dtmfReceived(call: callID, digit: digit.description, method: method))
                callEvent(.dtmf(digit: digit.description, method: method))
            case .recognized(let text, let start, let end, _):
                report(.recognized(call: callID, text: text, start: start.seconds, end: end.seconds))
                callEvent(.recognized(text: text, start: start.seconds, end: end.seconds))
            case .custom("tone", let fields):
                guard let frequency = fields["frequency"].flatMap(Int.init), let start = fields["start"].flatMap(Double.init) else { break }
                report(.toneDetected(call: callID, frequency: frequency, start: start))
                callEvent(.tone(frequency: frequency, start: start))
            default:
                break
            }
        }
        ticket = scheduler.run(attached.graph) { [weak self] outcome in self?.graphEnded(outcome) }
    }

    private func reportCodec(_ media: NegotiatedAudio) {
        report(.codec(call: callID, codec: "\(media.codec.encoding)/\(media.codec.clockRate)", payloadType: media.codec.payloadType,
                      telephoneEvent: media.telephoneEvent?.payloadType, security: media.security?.description ?? "unencrypted"))
        reportDirection(media)
    }

    private func reportDirection(_ media: NegotiatedAudio) {
        callEvent(.media(codec: "\(media.codec.encoding)/\(media.codec.clockRate)", payloadType: media.codec.payloadType,
                         telephoneEvent: media.telephoneEvent?.payloadType, sends: media.direction.sends,
                         receives: media.direction.receives))
    }

    // MARK: Encryption

    /// What protects the media now (`AES_CM_128_HMAC_SHA1_80 (SDES)`, `unencrypted`, …).
    var securityStatus: String { CallSecurity.status(of: session) }

    /// Keys the sockets as offer/answer settled, once per change of keys: plain RTP, SDES keys,
    /// or a DTLS handshake whose result comes back on the loop.
    private func secure(_ media: NegotiatedAudio) throws(CallerError) {
        guard appliedSecurity != .some(media.security) else { return }
        appliedSecurity = .some(media.security)
        if case .sdes = media.security { warnAboutSDES() }
        let remote = try? (rtp: SocketAddress(ipAddress: media.remoteAddress, port: media.remotePort),
                           rtcp: SocketAddress(ipAddress: media.remoteAddress, port: media.remoteRTCPPort))
        let callID = callID, report = report, eventLoop = eventLoop
        try security.apply(media.security, to: session, remote: remote) { [weak self] result in
            switch result {
            case .success(let suite):
                report(.log(level: .info, text: "media encrypted: \(suite) (DTLS-SRTP, the peer's certificate matches its a=fingerprint)"))
            case .failure(let error):
                report(.log(level: .error, text: "call \(callID): DTLS-SRTP failed: \(error)"))
                eventLoop.execute { [weak self] in self?.onSecurityFailure?("DTLS-SRTP failed: \(error)") }
            }
        }
    }

    /// RFC 4568 §8.3: SDES keys are only as confidential as the signalling that carries them.
    private func warnAboutSDES() {
        guard !signallingEncrypted, !warnedSDES else { return }
        warnedSDES = true
        report(.log(level: .warning, text: "SDES keys (a=crypto) travel in this call's SDP over unencrypted signalling: "
                    + "whoever sees the SIP can decrypt the media; use --transport=tls, or --srtp-keying=dtls"))
    }

    private var outcome: GraphOutcome?

    /// On the scheduler's thread: hand the outcome to the loop.
    private func graphEnded(_ outcome: GraphOutcome) {
        if let error = outcome.error { report(.log(level: .error, text: "media stopped: \(error)")) }
        eventLoop.execute { [self] in self.outcome = outcome }
    }

    /// Sends DTMF keys through the pipeline's `dtmf-injector` (RFC 4733) or `dtmf-tone`
    /// (in-band), whichever it has.
    /// - Returns: false when the pipeline has neither.
    func send(digits: String) -> Bool {
        guard let graph = graph?.graph else { return false }
        for type in ["dtmf-injector", "dtmf-tone"] {
            if let info = graph.nodeInfo.first(where: { $0.type == type }) { return graph.send(.text(digits), to: info.name) }
        }
        return false
    }

    /// Speaks `text` through the pipeline's `tts` node.
    func speak(_ text: String) -> Bool {
        guard let graph = graph?.graph, let info = graph.nodeInfo.first(where: { $0.type == "tts" }) else { return false }
        return graph.send(.text(text), to: info.name)
    }

    /// What the call's media did: packets, loss, jitter, late ticks.
    var statistics: CallStatistics {
        let reception = session.reception
        return CallStatistics(received: reception.received, lost: reception.lost, jitterMilliseconds: reception.jitter * 1_000,
                              lateFrames: ticket?.lateTicks ?? 0, roundTrip: session.latestReport?.roundTrip)
    }

    /// Stops the graph (recorders finalize), reports what was received and written, closes RTP,
    /// then calls `done` on the loop.
    func stop(done: @escaping @Sendable () -> Void) {
        guard !stopping else { return }
        stopping = true
        guard let ticket else {
            closeSession(done: done)
            return
        }
        ticket.stop()
        waitForGraph(done: done)
    }

    private func waitForGraph(done: @escaping @Sendable () -> Void) {
        // The scheduler finishes the graph at its next tick; look again on the loop's clock
        // (virtual or real) until it has.
        guard let outcome else {
            eventLoop.scheduleTask(in: .milliseconds(10)) { [self] in waitForGraph(done: done) }
            return
        }
        let stats = statistics
        report(.rtpStatistics(call: callID, received: stats.received, lost: stats.lost, jitterMilliseconds: stats.jitterMilliseconds,
                              roundTripMilliseconds: stats.roundTrip.map { $0 * 1_000 }, lateFrames: stats.lateFrames))
        if let recording { report(.fileWritten(path: recording, seconds: outcome.report?.mediaDuration.secondsDouble ?? 0)) }
        closeSession(done: done)
    }

    private func closeSession(done: @escaping @Sendable () -> Void) {
        session.closeSoon()
        graph = nil
        eventLoop.execute(done)
    }
}

/// What a call's media did so far.
public struct CallStatistics: Sendable, Equatable {
    /// RTP packets received.
    public var received: Int
    /// Packets lost (RFC 3550 A.3).
    public var lost: Int
    /// Interarrival jitter, milliseconds.
    public var jitterMilliseconds: Double
    /// Graph ticks that ran more than a period late.
    public var lateFrames: Int
    /// The round-trip time from RTCP, seconds (nil before the peer reported).
    public var roundTrip: Double?
}

/// SDP text with CRLF, or LF for `--use-lf` peers.
private func sdpBytes(_ description: SessionDescription, lineEnding: String) -> [UInt8] {
    let text = description.text
    return Array((lineEnding == "\r\n" ? text : text.replacingOccurrences(of: "\r\n", with: lineEnding)).utf8)
}
