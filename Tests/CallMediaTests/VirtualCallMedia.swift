import CallMedia
import MediaCore
import NIOCore
import NIOEmbedded
import RTPSession
import SDP
import Synchronization

/// Two call graphs joined by RTP on an in-memory network, run by one scheduler on virtual time:
/// a call's media without SIP, as fast as the CPU allows and the same on every run.
final class VirtualCallMedia {
    let loop = NIOAsyncTestingEventLoop()
    let network: LoopbackRTPNetwork
    let scheduler: EventLoopGraphScheduler
    let a: RTPSession, b: RTPSession
    private(set) var offerer: OfferAnswer, answerer: OfferAnswer
    let callerGraph: CallGraph, calleeGraph: CallGraph
    private let catalog: CodecCatalog
    private let allCodecs: [CodecCapability]
    private var tickets: [GraphTicket] = []
    private let outcomes = Outcomes()

    init(caller: String, callee: String, codecs: (CodecCapability) -> Bool, registry: NodeRegistry) throws {
        network = LoopbackRTPNetwork(eventLoop: loop)
        scheduler = EventLoopGraphScheduler(eventLoop: loop)
        catalog = CodecCatalog.all.installed(in: registry)
        let callerPipeline = try CallPipeline(text: caller, registry: registry)
        let calleePipeline = try CallPipeline(text: callee, registry: registry)
        a = RTPSession(sockets: try network.bind(host: "127.0.0.1"))
        b = RTPSession(sockets: try network.bind(host: "127.0.0.1"))
        offerer = OfferAnswer(options: callerPipeline.mediaOptions(address: "127.0.0.1", port: a.rtpPort), sessionID: 1)
        answerer = OfferAnswer(options: calleePipeline.mediaOptions(address: "127.0.0.1", port: b.rtpPort), sessionID: 2)
        allCodecs = offerer.options.codecs
        offerer.options.codecs = allCodecs.filter(codecs)
        let (answer, calleeMedia) = try answerer.makeAnswer(to: offerer.makeOffer())
        let callerMedia = try offerer.acceptAnswer(answer)
        try Self.point(a, at: callerMedia)
        try Self.point(b, at: calleeMedia)
        callerGraph = try callerPipeline.attach(callerMedia, session: a)
        calleeGraph = try calleePipeline.attach(calleeMedia, session: b)
        for graph in [callerGraph.graph, calleeGraph.graph] {
            tickets.append(scheduler.run(graph) { [outcomes] outcome in outcomes.list.withLock { $0.append(outcome) } })
        }
    }

    static func point(_ session: RTPSession, at media: NegotiatedAudio) throws {
        session.setRemote(rtp: try SocketAddress(ipAddress: media.remoteAddress, port: media.remotePort),
                          rtcp: try SocketAddress(ipAddress: media.remoteAddress, port: media.remoteRTCPPort))
    }

    /// Runs `duration` of media (and RTCP) on virtual time.
    func run(for duration: Duration) async throws {
        let (seconds, attoseconds) = duration.components
        await loop.advanceTime(by: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// A new offer from the caller with the codecs `codecs` keeps, answered by the callee; both
    /// graphs follow the result (RFC 3264 §8).
    func renegotiate(codecs: (CodecCapability) -> Bool) throws {
        offerer.options.codecs = allCodecs.filter(codecs)
        let (answer, calleeMedia) = try answerer.makeAnswer(to: offerer.makeOffer())
        let callerMedia = try offerer.acceptAnswer(answer)
        callerGraph.change(to: callerMedia, catalog: catalog)
        calleeGraph.change(to: calleeMedia, catalog: catalog)
    }

    /// Stops both graphs and returns every node summary.
    @discardableResult
    func stop() async -> [String] {
        for ticket in tickets { ticket.stop() }
        await loop.advanceTime(by: .milliseconds(40))
        await a.close()
        await b.close()
        return outcomes.list.withLock { $0.flatMap { $0.report?.summaries.map { "\($0.node): \($0.summary)" } ?? [] } }
    }
}

private final class Outcomes: Sendable {
    let list = Mutex<[GraphOutcome]>([])
}
