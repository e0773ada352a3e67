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

    struct RunState {
        var graph: Graph?
        var negotiated: NegotiatedAudio?
        var runError: String?
        var mediaSeconds = 0.0
    }

    /// Creates the media side of a call on a bound RTP session.
    /// - Parameter codecs: offer only these (`PCMU`, `speex/16000`), in this order; empty: all.
    init(callID: String, pipeline: CallPipeline, session: RTPSession, address: String, codecs: [String],
         report: @escaping @Sendable (CallerEvent) -> Void) {
        self.callID = callID
        self.pipeline = pipeline
        self.session = session
        self.report = report
        var options = pipeline.mediaOptions(address: address, port: session.rtpPort)
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
        sdpBytes(negotiation.makeOffer(), lineEnding: lineEnding)
    }

    /// Answers the peer's offer and remembers the settled media.
    func answer(_ body: [UInt8], lineEnding: String) throws(CallerError) -> [UInt8] {
        do {
            let offer = try SessionDescription(parsing: body)
            let (answer, media) = try negotiation.makeAnswer(to: offer)
            state.withLock { $0.negotiated = media }
            return sdpBytes(answer, lineEnding: lineEnding)
        } catch {
            throw .media("incompatible SDP: \(error)")
        }
    }

    /// Takes the peer's answer to our offer.
    func accept(answer body: [UInt8]) throws(CallerError) {
        do {
            let answer = try SessionDescription(parsing: body)
            let media = try negotiation.acceptAnswer(answer)
            state.withLock { $0.negotiated = media }
        } catch {
            throw .media("invalid media in the answer: \(error)")
        }
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
                      telephoneEvent: media.telephoneEvent?.payloadType))
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
