public import MediaCore
import PipelineLanguage
public import RTP
import RTPNodes
public import SDP

/// A pipeline for a call: checked before any SIP is sent, asked what it can encode and decode
/// for the offer, and attached to the negotiated media (DESIGN.md §4).
///
/// `@encoder` and `@decoder` become the negotiated codec's nodes; `@rtp-out` an `rtp-sender`
/// and `@rtp-in` an `rtp-receiver` bound to the call's RTP session with the negotiated payload
/// types; `@network` the session itself as a sink of packets, for `@rtp-out ! impair … ! @network`. A codec "fits" the pipeline when the pipeline plans with its nodes in the slots — so
/// a pipeline whose microphone runs at 8 kHz with no resampler does not offer speex/16000.
public struct CallPipeline {
    /// The pipeline text and its name for diagnostics.
    public let text: String, file: String
    private let registry: NodeRegistry
    private let ast: PipelineAST
    /// What the installed codecs can do with this pipeline, worked out once (it plans the
    /// pipeline once per codec): every call's offer reads it.
    private var installed: [CodecCapability] = []

    /// Parses and checks `text` with its slots open.
    /// - Throws: ``GraphBuildError`` with every problem found, as `pipeline check` reports them.
    public init(text: String, file: String = "<pipeline>", registry: NodeRegistry) throws(GraphBuildError) {
        self.text = text
        self.file = file
        self.registry = registry
        do {
            ast = try Parser.parse(text, file: file)
        } catch {
            throw GraphBuildError([error.diagnostic])
        }
        _ = try GraphBuilder(registry: registry).plan(try ast.lower())
        installed = fitting(.all)
    }

    /// The codecs this pipeline can encode and decode with the installed processors, in
    /// preference order, each with the payload type to offer (from `catalog`; nil: Callwire's).
    public func capabilities(catalog: CodecCatalog? = nil) -> [CodecCapability] {
        catalog.map(fitting) ?? installed
    }

    private func fitting(_ catalog: CodecCatalog) -> [CodecCapability] {
        catalog.installed(in: registry).entries.compactMap { entry in
            guard let plan = try? plan(entry, payloadType: entry.capability.payloadType, events: nil, session: nil) else {
                return nil
            }
            var capability = entry.capability
            if let local = entry.localParameters {
                // The formats the pipeline feeds the encoder and takes from the decoder.
                let capture = plan.nodes.first { $0.type == "@encoder" }?.inputFormats.first ?? nil
                let playback = plan.nodes.first { $0.type == "@decoder" }?.outputFormats.first ?? nil
                capability.formatParameters = local(capture, playback)
            }
            return capability
        }
    }

    /// Whether the pipeline sends or receives DTMF (it has a `dtmf-injector` or `dtmf-receiver`),
    /// so the offer includes telephone-event.
    public var handlesDTMF: Bool {
        ast.chains.contains { chain in
            chain.elements.contains { element in
                if case .node(let type, _, _) = element { return type == "dtmf-injector" || type == "dtmf-receiver" }
                return false
            }
        }
    }

    /// What a call offers for this pipeline.
    public func mediaOptions(address: String, port: Int, catalog: CodecCatalog? = nil) -> MediaOptions {
        MediaOptions(codecs: capabilities(catalog: catalog), telephoneEvents: handlesDTMF, address: address, port: port)
    }

    /// Builds the call's graph for the negotiated media, with codec bins in `@encoder` and
    /// `@decoder` so that a later offer/answer can change the codec while it runs
    /// (``CallGraph/apply(_:)``).
    /// - Parameters:
    ///   - negotiated: what offer/answer settled.
    ///   - session: the call's RTP session (nil builds a graph with no network, for checks).
    ///   - fields: values for `%` fields in string parameters (`%i` → the Call-ID…), so each call
    ///     of a pattern such as `calls/%i.wav` writes its own file (see ``CallFields``).
    /// - Throws: ``GraphBuildError`` saying which codec did not fit and why.
    public func attach(_ negotiated: NegotiatedAudio, session: (any RTPPacketSink & RTPPacketSource)?,
                       fields: CallFields = CallFields(), catalog: CodecCatalog = .all,
                       period: Duration = .milliseconds(20)) throws(GraphBuildError) -> CallGraph {
        let installed = catalog.installed(in: registry)
        guard let entry = installed.entry(for: negotiated.codec)?.tuned(for: negotiated) else {
            throw GraphBuildError([Diagnostic(at: nil, "no installed processor handles the negotiated codec "
                                              + "\(negotiated.codec.encoding)/\(negotiated.codec.clockRate)")])
        }
        do {
            let encoder = try EncoderBin(entry: entry, catalog: installed, registry: registry, period: period)
            let decoder = DecoderBin(entry: entry, catalog: installed, registry: registry, period: period)
            let (sender, receiver) = try rtpNodes(entry, payloadType: negotiated.codec.payloadType, events: negotiated.telephoneEvent,
                                                  session: session)
            let slots: [String: SlotBinding] = [
                "@encoder": .instance(encoder), "@decoder": .instance(decoder), "@rtp-out": .instance(sender), "@rtp-in": .instance(receiver),
                "@network": .instance(try Self.networkSink(session)),
            ]
            var spec = try ast.lower()
            spec.nodes = spec.nodes.map { node in
                var node = node
                for (name, value) in node.parameters {
                    if case .string(let text) = value, text.contains("%") { node.parameters[name] = .string(fields.expand(text)) }
                }
                return node
            }
            let plan = try GraphBuilder(registry: registry, slots: slots).plan(spec)
            guard plan.isRunnable else {
                throw GraphBuildError([Diagnostic(at: nil, "the pipeline's formats do not settle with \(entry.capability)")])
            }
            return CallGraph(graph: try plan.makeGraph(period: period), encoder: encoder, decoder: decoder, sender: sender,
                             receiver: receiver, codec: entry.capability, telephoneEvent: negotiated.telephoneEvent)
        } catch let error as GraphBuildError {
            throw GraphBuildError([Diagnostic(at: nil, "the negotiated codec \(entry.capability) does not fit \(file):")]
                                  + error.diagnostics)
        } catch {
            throw GraphBuildError([Diagnostic(at: nil, "the negotiated codec \(entry.capability) does not fit \(file): \(error)")])
        }
    }

    /// The `@network` slot's node: the session as a sink of packets.
    private static func networkSink(_ session: (any RTPPacketSink & RTPPacketSource)?) throws(GraphBuildError) -> RTPNetworkSink {
        let sink: RTPNetworkSink
        do {
            sink = RTPNetworkSink(parameters: try NodeParameters(for: RTPNetworkSink.descriptor, [:]))
        } catch {
            throw GraphBuildError([Diagnostic(at: nil, "bad @network parameters: \(error)")])
        }
        sink.transport = session
        return sink
    }

    private func rtpNodes(_ entry: CodecCatalog.Entry, payloadType: Int, events: RTPMap?,
                          session: (any RTPPacketSink & RTPPacketSource)?) throws(GraphBuildError) -> (RTPSenderNode, RTPReceiverNode) {
        var senderParameters: [String: ParameterValue] = ["payload-type": .int(payloadType)]
        var receiverParameters: [String: ParameterValue] = ["payload-type": .int(payloadType)]
        if let events {
            senderParameters["event-payload-type"] = .int(events.payloadType)
            receiverParameters["event-payload-type"] = .int(events.payloadType)
        }
        let sender: RTPSenderNode, receiver: RTPReceiverNode
        do {
            sender = RTPSenderNode(parameters: try NodeParameters(for: RTPSenderNode.descriptor, senderParameters))
            receiver = RTPReceiverNode(parameters: try NodeParameters(for: RTPReceiverNode.descriptor, receiverParameters))
        } catch {
            throw GraphBuildError([Diagnostic(at: nil, "bad RTP parameters: \(error)")])
        }
        sender.transport = session
        receiver.packetSource = session
        receiver.payloadFormat = entry.format
        return (sender, receiver)
    }

    /// Plans the pipeline with `entry`'s own nodes in the codec slots: does the codec fit?
    private func plan(_ entry: CodecCatalog.Entry, payloadType: Int, events: RTPMap?,
                      session: (any RTPPacketSink & RTPPacketSource)?) throws(GraphBuildError) -> GraphPlan {
        let (sender, receiver) = try rtpNodes(entry, payloadType: payloadType, events: events, session: session)
        let slots: [String: SlotBinding] = [
            "@encoder": .node(type: entry.encoder.type, parameters: entry.encoder.parameters),
            "@decoder": .node(type: entry.decoder.type, parameters: entry.decoder.parameters),
            "@rtp-out": .instance(sender),
            "@rtp-in": .instance(receiver),
            "@network": .instance(try Self.networkSink(session)),
        ]
        let plan = try GraphBuilder(registry: registry, slots: slots).plan(try ast.lower())
        guard plan.isRunnable else {
            throw GraphBuildError([Diagnostic(at: nil, "the pipeline's formats do not settle with \(entry.capability)")])
        }
        return plan
    }
}
