public import MediaCore

/// A call's `@encoder`: the negotiated codec's encoder, behind a bin so that a new offer/answer
/// can change the codec while media flows (RFC 3264 §8.3.2). The graph outside never changes:
/// the bin accepts the PCM it was built with and, after a change, resamples inside when the new
/// codec wants another rate.
///
/// A change comes as `.reconfigure(["codec": "PCMA/8000", …])` from the application; the bin
/// swaps its codec at that tick boundary and sends the event on, so the `rtp-sender` after it
/// switches its payload type between the same two frames. Output timestamps run on without a
/// jump across a change.
public final class EncoderBin: MediaNode, BinOutputReceiver {
    public static let descriptor = NodeDescriptor(
        name: "encoder-bin", category: .codec,
        summary: "A call's encoder, which offer/answer may change while media flows.",
        inputs: [PortSpec("sink", .anyPCM())],
        outputs: [PortSpec("src", FormatConstraint([.encoded(codecs: nil, clockRates: nil)]))],
        formatRule: .custom)

    private let registry: NodeRegistry
    private let catalog: CodecCatalog
    /// The codec in use.
    public private(set) var entry: CodecCatalog.Entry
    private let accepted: FormatConstraint
    private let period: Duration
    private var input: MediaFormat?
    private let slot = BinSlot()
    private var nextTimestamp: Int64 = 0, offset: Int64?

    /// A bin for `entry`'s encoder.
    /// - Throws: when the registry has no such encoder.
    public init(entry: CodecCatalog.Entry, catalog: CodecCatalog, registry: NodeRegistry,
                period: Duration = .milliseconds(20)) throws(NodeError) {
        self.entry = entry
        self.catalog = catalog
        self.registry = registry
        self.period = period
        guard let type = registry.type(named: entry.encoder.type) else {
            throw .configuration("no installed processor encodes \(entry.capability)")
        }
        do {
            accepted = try type.init(parameters: try NodeParameters(for: type.descriptor, entry.encoder.parameters))
                .acceptedFormats(forInput: 0)
        } catch let error as NodeError {
            throw error
        } catch {
            throw .configuration("\(entry.encoder.type): \(error)")
        }
    }

    public init(parameters: NodeParameters) throws(NodeError) {
        throw .configuration("encoder-bin is made by a call for its @encoder slot")
    }

    public func acceptedFormats(forInput port: Int) -> FormatConstraint { accepted }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard let format = negotiation.inputs.first else { throw .format("encoder-bin needs PCM in") }
        input = format
        let built = try build(entry, input: format)
        slot.install(built)
        return [built.outputFormat]
    }

    private func build(_ entry: CodecCatalog.Entry, input: MediaFormat) throws(NodeError) -> BinGraph {
        do {
            return try BinGraph.build(registry: registry, input: input, nodes: [entry.encoder], output: nil, resampleFirst: true,
                                      receiver: self, period: period)
        } catch {
            throw .format("\(entry.capability) cannot encode \(input): \(error.diagnostics.map(\.message).joined(separator: "; "))")
        }
    }

    public func start(_ context: NodeContext) throws(NodeError) { try slot.start(context) }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        try slot.push(frame, context: context)
    }

    func binOutput(_ frame: Frame) throws(NodeError) -> FlowResult {
        guard let outer = slot.outer else { return .ok }
        var frame = frame
        let anchor = offset ?? (nextTimestamp - frame.timestamp.sample)
        offset = anchor
        frame.timestamp = MediaTime(sample: frame.timestamp.sample + anchor, clockRate: frame.timestamp.clockRate)
        nextTimestamp = frame.timestamp.sample + Int64(frame.sampleCount)
        return try outer.push(frame)
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        switch event {
        case .reconfigure(let fields):
            if let name = fields["codec"], let next = catalog.entry(named: name), next.capability != entry.capability {
                try change(to: next, context: context)
            }
            try context.forward(event)
        case .endOfStream:
            slot.flush(context)   // the codec flushes what it holds
            try context.forward(event)
        default:
            try context.forward(event)
        }
    }

    private func change(to next: CodecCatalog.Entry, context: NodeContext) throws(NodeError) {
        guard let input else { return }
        try slot.swap(to: try build(next, input: input), context: context)
        entry = next
        offset = nil
    }

    public func stop(_ context: NodeContext) { slot.stop() }

    public var summary: String? { slot.summary(entry.capability, node: entry.encoder.type) }
}
