import MediaCore
import Synchronization

/// Feeds frames and events queued by the harness into the graph, one batch per tick.
final class HarnessSource: SourceNode {
    enum Item {
        case frame(bytes: [UInt8], sampleCount: Int, flags: Frame.Flags)
        case event(MediaEvent)
    }

    static let descriptor = NodeDescriptor(name: "harness-source", category: .source,
                                           summary: "Test input.", outputs: [PortSpec("src", .any)])

    let format: MediaFormat
    private var queue: [Item] = []
    private var position: Int64 = 0

    init(format: MediaFormat) { self.format = format }

    init(parameters: NodeParameters) throws(NodeError) { throw .configuration("created by NodeHarness only") }

    func enqueue(_ item: Item) { queue.append(item) }

    func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [format] }

    func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let items = queue
        queue.removeAll()
        for item in items {
            switch item {
            case .frame(let bytes, let sampleCount, let flags):
                let storage = FrameStorage(capacity: bytes.count)
                bytes.withUnsafeBytes { storage.bytes.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                let frame = Frame(storage: storage, byteCount: bytes.count, sampleCount: sampleCount,
                                  timestamp: MediaTime(sample: position, clockRate: format.clockRate), flags: flags)
                position += Int64(sampleCount)
                // The frame borrows `storage`: keep it alive until the push returns.
                _ = try withExtendedLifetime(storage) { () throws(NodeError) -> FlowResult in try context.push(frame) }
            case .event(let event):
                try context.forward(event)
            }
        }
        return .ok
    }
}

/// Records frames and events reaching a harness output.
final class CaptureSink: MediaNode {
    static let descriptor = NodeDescriptor(name: "capture-sink", category: .sink, summary: "Test output.",
                                           inputs: [PortSpec("sink", .any)])

    var frames: [NodeHarness.CapturedFrame] = []
    var events: [MediaEvent] = []
    var ended = false
    var format: MediaFormat?

    init() {}

    init(parameters: NodeParameters) throws(NodeError) { throw .configuration("created by NodeHarness only") }

    func start(_ context: NodeContext) throws(NodeError) { format = context.inputFormats.first }

    func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        frames.append(.init(bytes: Array(frame.bytes), sampleCount: frame.sampleCount,
                            timestamp: frame.timestamp, flags: frame.flags))
        return .ok
    }

    func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream { ended = true } else { events.append(event) }
    }
}

/// A minimal lock for harness bookkeeping.
final class HarnessLock: @unchecked Sendable {
    private let mutex = Mutex(())
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock { _ in try body() }
    }
}
