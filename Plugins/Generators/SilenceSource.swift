public import MediaCore

/// Silence, for when a node must be fed but nothing should be heard.
public final class SilenceSource: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "silence", category: .source,
        summary: "Generates digital silence as signed 16-bit PCM.",
        outputs: [PortSpec("src", .anyPCM())],
        parameters: [GeneratorParameters.rate, GeneratorParameters.channels, GeneratorParameters.duration],
        examples: ["silence rate=8000 duration=5s ! pcmu-encoder ! null-sink"])

    private var schedule: ToneSchedule
    private let channels: Int
    private let pool = FramePool(byteCapacity: 4096)

    public init(parameters: NodeParameters) throws(NodeError) {
        schedule = ToneSchedule(rate: parameters.int("rate"), duration: parameters.duration("duration"))
        channels = parameters.int("channels")
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.pcm(sampleRate: schedule.rate, channels: channels, sample: .int16)]
    }

    public var expectedDuration: Duration? { schedule.expectedDuration }

    @inline(__always)  // the witness holds the body: one call per tick (see MediaNode.process)
    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let channels = self.channels
        return try schedule.emit(context, pool: pool, channels: channels, flags: .silence) { samples, count in
            samples.initialize(repeating: 0, count: count * channels)
        }
    }
}
