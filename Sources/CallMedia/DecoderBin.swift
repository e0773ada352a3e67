public import MediaCore

/// A call's `@decoder`: the negotiated codec's decoder, behind a bin so that a new offer/answer
/// can change the codec while media flows. Its output format never changes (what comes after it
/// — a recorder, a recognizer — keeps running): after a change to a codec of another rate, the
/// bin resamples inside. Output timestamps are continuous: one sample after the other, across
/// changes, losses and holds, so recordings keep media time.
///
/// A change arrives in-band as `.reconfigure(["codec": …])` from the `rtp-receiver` (through the
/// jitter buffer), after the last frame of the old codec.
public final class DecoderBin: MediaNode, BinOutputReceiver {
    public static let descriptor = NodeDescriptor(
        name: "decoder-bin", category: .codec,
        summary: "A call's decoder, which offer/answer may change while media flows.",
        inputs: [PortSpec("sink", FormatConstraint([.encoded(codecs: nil, clockRates: nil)]))],
        outputs: [PortSpec("src", .anyPCM())],
        formatRule: .custom)

    private let registry: NodeRegistry
    private let catalog: CodecCatalog
    /// The codec in use.
    public private(set) var entry: CodecCatalog.Entry
    private let period: Duration
    private var output: MediaFormat?
    private let slot = BinSlot()
    private var produced: Int64 = 0

    /// A bin for `entry`'s decoder.
    public init(entry: CodecCatalog.Entry, catalog: CodecCatalog, registry: NodeRegistry, period: Duration = .milliseconds(20)) {
        self.entry = entry
        self.catalog = catalog
        self.registry = registry
        self.period = period
    }

    public init(parameters: NodeParameters) throws(NodeError) {
        throw .configuration("decoder-bin is made by a call for its @decoder slot")
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        guard let format = negotiation.inputs.first else { throw .format("decoder-bin needs encoded frames in") }
        let built = try build(entry, input: format, output: nil)
        slot.install(built)
        output = built.outputFormat
        return [built.outputFormat]
    }

    private func build(_ entry: CodecCatalog.Entry, input: MediaFormat, output: MediaFormat?) throws(NodeError) -> BinGraph {
        do {
            return try BinGraph.build(registry: registry, input: input, nodes: [entry.decoder], output: output, resampleFirst: false,
                                      receiver: self, period: period)
        } catch {
            throw .format("\(entry.capability) cannot decode to \(output.map { "\($0)" } ?? "PCM"): "
                          + error.diagnostics.map(\.message).joined(separator: "; "))
        }
    }

    public func start(_ context: NodeContext) throws(NodeError) { try slot.start(context) }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        try slot.push(frame, context: context)
    }

    func binOutput(_ frame: Frame) throws(NodeError) -> FlowResult {
        guard let outer = slot.outer, let output else { return .ok }
        var frame = frame
        frame.timestamp = MediaTime(sample: produced, clockRate: output.clockRate)
        produced += Int64(frame.sampleCount)
        return try outer.push(frame)
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        switch event {
        case .reconfigure(let fields):
            // The receiving side's change: not passed on (what follows is PCM, unchanged).
            if let name = fields["codec"], let next = catalog.entry(named: name), next.capability != entry.capability {
                try change(to: next, context: context)
            }
        case .endOfStream:
            slot.flush(context)
            try context.forward(event)
        default:
            try context.forward(event)
        }
    }

    private func change(to next: CodecCatalog.Entry, context: NodeContext) throws(NodeError) {
        guard let output else { return }
        try slot.swap(to: try build(next, input: next.format, output: output), context: context)
        entry = next
    }

    public func stop(_ context: NodeContext) { slot.stop() }

    public var summary: String? { slot.summary(entry.capability, node: entry.decoder.type) }
}
