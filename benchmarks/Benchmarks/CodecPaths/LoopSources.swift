import MediaCore

/// Replays a PCM signal in a loop, one tick's worth per `produce`.
final class LoopSource: SourceNode {
    static let descriptor = NodeDescriptor(name: "loop-source", category: .source, summary: "Replays a signal.",
                                           outputs: [PortSpec("src", .pcm(channels: [1]))])
    private let samples: [Int16]
    private let rate: Int
    private var position = 0
    private var produced: Int64 = 0
    private let pool = FramePool(byteCapacity: 4_096)

    init(samples: [Int16], sampleRate: Int) {
        self.samples = samples
        rate = sampleRate
    }

    init(parameters: NodeParameters) { fatalError("created by the benchmark only") }

    func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [.mono16(rate)] }

    func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let count = context.samplesThisTick(rate: rate)
        let out = pool.acquire(minimumCapacity: count * 2)
        samples.withUnsafeBufferPointer { out.int16.update(from: $0.baseAddress! + position, count: count) }
        position = (position + count) % (samples.count - samples.count % count)
        let frame = Frame(buffer: out, byteCount: count * 2, sampleCount: count,
                          timestamp: MediaTime(sample: produced, clockRate: rate))
        produced += Int64(count)
        return try context.push(frame)
    }
}

/// Replays encoded packets in a loop, one per tick.
final class PacketLoopSource: SourceNode {
    static let descriptor = NodeDescriptor(name: "packet-loop-source", category: .source, summary: "Replays packets.",
                                           outputs: [PortSpec("src", .any)])
    private let packets: [[UInt8]]
    private let format: MediaFormat
    private let samplesPerPacket: Int
    private var index = 0
    private var produced: Int64 = 0
    private let pool = FramePool(byteCapacity: 512)

    init(packets: [[UInt8]], format: MediaFormat, samplesPerPacket: Int) {
        self.packets = packets
        self.format = format
        self.samplesPerPacket = samplesPerPacket
    }

    init(parameters: NodeParameters) { fatalError("created by the benchmark only") }

    func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [format] }

    func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let packet = packets[index]
        index = (index + 1) % packets.count
        let out = pool.acquire(minimumCapacity: packet.count)
        packet.withUnsafeBytes { out.bytes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        let frame = Frame(buffer: out, byteCount: packet.count, sampleCount: samplesPerPacket,
                          timestamp: MediaTime(sample: produced, clockRate: format.clockRate))
        produced += Int64(samplesPerPacket)
        return try context.push(frame)
    }
}
