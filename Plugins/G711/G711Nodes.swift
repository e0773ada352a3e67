public import MediaCore

/// Which G.711 law a node implements.
public enum G711Law: Sendable {
    /// µ-law (`PCMU`, RTP payload type 0).
    case muLaw
    /// A-law (`PCMA`, RTP payload type 8).
    case aLaw

    var codec: CodecID { self == .muLaw ? .pcmu : .pcma }
}

/// G.711 samples are 8 kHz mono (RFC 3551 §4.5.14).
let g711Rate = 8_000
let g711PCM = MediaFormat.mono16(g711Rate)

/// Shared body of the four G.711 nodes: encode or decode one frame into pooled storage.
final class G711Coder {
    let law: G711Law
    let encoding: Bool
    private let pool = FramePool(byteCapacity: 2 * 160 * 12)

    init(law: G711Law, encoding: Bool) {
        self.law = law
        self.encoding = encoding
    }

    @inline(__always)
    func process(_ frame: Frame, context: NodeContext) throws(NodeError) -> FlowResult {
        if encoding {
            let count = frame.byteCount / 2
            let out = pool.acquire(minimumCapacity: count)
            switch law {
            case .muLaw: G711.encodeMuLaw(frame.int16, into: out.uint8, count: count)
            case .aLaw: G711.encodeALaw(frame.int16, into: out.uint8, count: count)
            }
            return try context.push(Frame(buffer: out, byteCount: count, sampleCount: count,
                                          timestamp: frame.timestamp, flags: frame.flags))
        }
        let count = frame.flags.contains(.missing) ? frame.sampleCount : frame.byteCount
        let out = pool.acquire(minimumCapacity: count * 2)
        var flags = frame.flags
        if frame.flags.contains(.missing) {
            // A missing frame with no concealment upstream: play silence for its duration.
            out.bytes.initializeMemory(as: UInt8.self, repeating: 0, count: count * 2)
            flags.remove(.missing)
            flags.insert(.concealed)
        } else {
            switch law {
            case .muLaw: G711.decodeMuLaw(frame.uint8, into: out.int16, count: count)
            case .aLaw: G711.decodeALaw(frame.uint8, into: out.int16, count: count)
            }
        }
        return try context.push(Frame(buffer: out, byteCount: count * 2, sampleCount: count,
                                      timestamp: frame.timestamp, flags: flags))
    }
}

/// `pcmu-encoder`: 8 kHz mono PCM → G.711 µ-law.
public final class PCMUEncoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "pcmu-encoder", category: .codec,
        summary: "Encodes 8 kHz mono PCM as G.711 µ-law (PCMU), one byte per sample.",
        inputs: [PortSpec("sink", .pcm(rates: [g711Rate], channels: [1]))],
        outputs: [PortSpec("src", .encoded(.pcmu, clockRates: [g711Rate]))],
        examples: ["sine freq=1000 rate=8000 duration=1s ! pcmu-encoder ! pcmu-decoder ! wav-recorder path=tone.wav"])

    private let coder = G711Coder(law: .muLaw, encoding: true)

    public init(parameters: NodeParameters) {}

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.encoded(codec: .pcmu, clockRate: g711Rate, channels: 1)]
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        try coder.process(frame, context: context)
    }
}

/// `pcmu-decoder`: G.711 µ-law → 8 kHz mono PCM.
public final class PCMUDecoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "pcmu-decoder", category: .codec,
        summary: "Decodes G.711 µ-law (PCMU) to 8 kHz mono PCM; a missing frame becomes silence.",
        inputs: [PortSpec("sink", .encoded(.pcmu, clockRates: [g711Rate]))],
        outputs: [PortSpec("src", .pcm(rates: [g711Rate], channels: [1]))],
        examples: ["sine rate=8000 duration=1s ! pcmu-encoder ! pcmu-decoder ! null-sink"])

    private let coder = G711Coder(law: .muLaw, encoding: false)

    public init(parameters: NodeParameters) {}

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [g711PCM] }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        try coder.process(frame, context: context)
    }
}

/// `pcma-encoder`: 8 kHz mono PCM → G.711 A-law.
public final class PCMAEncoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "pcma-encoder", category: .codec,
        summary: "Encodes 8 kHz mono PCM as G.711 A-law (PCMA), one byte per sample.",
        inputs: [PortSpec("sink", .pcm(rates: [g711Rate], channels: [1]))],
        outputs: [PortSpec("src", .encoded(.pcma, clockRates: [g711Rate]))],
        examples: ["sine freq=1000 rate=8000 duration=1s ! pcma-encoder ! pcma-decoder ! wav-recorder path=tone.wav"])

    private let coder = G711Coder(law: .aLaw, encoding: true)

    public init(parameters: NodeParameters) {}

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.encoded(codec: .pcma, clockRate: g711Rate, channels: 1)]
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        try coder.process(frame, context: context)
    }
}

/// `pcma-decoder`: G.711 A-law → 8 kHz mono PCM.
public final class PCMADecoder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "pcma-decoder", category: .codec,
        summary: "Decodes G.711 A-law (PCMA) to 8 kHz mono PCM; a missing frame becomes silence.",
        inputs: [PortSpec("sink", .encoded(.pcma, clockRates: [g711Rate]))],
        outputs: [PortSpec("src", .pcm(rates: [g711Rate], channels: [1]))],
        examples: ["sine rate=8000 duration=1s ! pcma-encoder ! pcma-decoder ! null-sink"])

    private let coder = G711Coder(law: .aLaw, encoding: false)

    public init(parameters: NodeParameters) {}

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [g711PCM] }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        try coder.process(frame, context: context)
    }
}

/// The G.711 codec nodes.
public enum G711Plugin: MediaPlugin {
    public static let name = "g711"
    public static let nodeTypes: [any MediaNode.Type] = [PCMUEncoder.self, PCMUDecoder.self,
                                                         PCMAEncoder.self, PCMADecoder.self]
}
