public import MediaCore

/// Which G.711 law a node implements; the law types parameterize ``G711Encoder`` and
/// ``G711Decoder``.
public protocol G711LawType: Sendable {
    /// The law.
    static var law: G711Law { get }
}

/// µ-law (`PCMU`, RTP payload type 0).
public enum MuLaw: G711LawType {
    @inlinable public static var law: G711Law { .muLaw }
}

/// A-law (`PCMA`, RTP payload type 8).
public enum ALaw: G711LawType {
    @inlinable public static var law: G711Law { .aLaw }
}

/// A G.711 law.
public enum G711Law: Sendable {
    /// µ-law (`PCMU`).
    case muLaw
    /// A-law (`PCMA`).
    case aLaw

    /// The RTP encoding name.
    public var codec: CodecID { self == .muLaw ? .pcmu : .pcma }
    /// The pipeline name prefix (`pcmu`, `pcma`).
    var prefix: String { self == .muLaw ? "pcmu" : "pcma" }
    /// The law's name in prose.
    var title: String { self == .muLaw ? "µ-law" : "A-law" }
}

/// G.711 samples are 8 kHz mono (RFC 3551 §4.5.14).
let g711Rate = 8_000

/// `pcmu-encoder` / `pcma-encoder`: 8 kHz mono PCM → G.711, one byte per sample.
public final class G711Encoder<Law: G711LawType>: MediaNode {
    public static var descriptor: NodeDescriptor {
        let law = Law.law
        return NodeDescriptor(
            name: "\(law.prefix)-encoder", category: .codec,
            summary: "Encodes 8 kHz mono PCM as G.711 \(law.title) (\(law.codec)), one byte per sample.",
            inputs: [PortSpec("sink", .pcm(rates: [g711Rate], channels: [1]))],
            outputs: [PortSpec("src", .encoded(law.codec, clockRates: [g711Rate]))],
            examples: ["sine freq=1000 rate=8000 duration=1s ! \(law.prefix)-encoder ! \(law.prefix)-decoder ! wav-recorder path=tone.wav"])
    }

    private let pool = FramePool(byteCapacity: 160 * 12)
    /// `Law.law`, read once: the class is generic, so each read would be a witness-table call.
    private let law = Law.law

    public init(parameters: NodeParameters) {}

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.encoded(codec: Law.law.codec, clockRate: g711Rate, channels: 1)]
    }

    @inline(__always)  // the witness holds the body: one call per hop (see MediaNode.process)
    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        let count = frame.byteCount / 2
        let out = pool.acquire(minimumCapacity: count)
        switch law {
        case .muLaw: G711.encodeMuLaw(frame.int16, into: out.uint8, count: count)
        case .aLaw: G711.encodeALaw(frame.int16, into: out.uint8, count: count)
        }
        return try context.push(Frame(buffer: out, byteCount: count, sampleCount: count,
                                      timestamp: frame.timestamp, flags: frame.flags))
    }
}

/// `pcmu-decoder` / `pcma-decoder`: G.711 → 8 kHz mono PCM. A frame flagged missing (a lost
/// packet, from the jitter buffer) is concealed by pitch waveform repetition (``WaveformRepetition``).
public final class G711Decoder<Law: G711LawType>: MediaNode {
    public static var descriptor: NodeDescriptor {
        let law = Law.law
        return NodeDescriptor(
            name: "\(law.prefix)-decoder", category: .codec,
            summary: "Decodes G.711 \(law.title) (\(law.codec)) to 8 kHz mono PCM; conceals lost frames (G.711 App. I style).",
            inputs: [PortSpec("sink", .encoded(law.codec, clockRates: [g711Rate]))],
            outputs: [PortSpec("src", .pcm(rates: [g711Rate], channels: [1]))],
            examples: ["sine rate=8000 duration=1s ! \(law.prefix)-encoder ! \(law.prefix)-decoder ! null-sink"])
    }

    // Confined to the graph's executor like every node; the runtime exclusivity check on each
    // frame would cost more than the bookkeeping it guards. The concealer's history is also
    // where frames are decoded to (no pool, no copy into the history).
    @exclusivity(unchecked) private var concealer = WaveformRepetition()
    /// `Law.law`, read once (see the encoder).
    private let law = Law.law

    public init(parameters: NodeParameters) {}

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.mono16(g711Rate)]
    }

    @inline(__always)  // the witness holds the body: one call per hop (see MediaNode.process)
    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        let missing = frame.flags.contains(.missing)
        let count = missing ? frame.sampleCount : frame.byteCount
        let out = concealer.reserve(count)
        var flags = frame.flags
        if missing {
            concealer.conceal(into: out, count: count)
            flags.remove(.missing)
            flags.insert(.concealed)
        } else {
            switch law {
            case .muLaw: G711.decodeMuLaw(frame.uint8, into: out, count: count)
            case .aLaw: G711.decodeALaw(frame.uint8, into: out, count: count)
            }
            concealer.received(out, count: count)
        }
        return try context.push(Frame(baseAddress: UnsafeRawPointer(out), byteCount: count &* 2, sampleCount: count,
                                      timestamp: frame.timestamp, flags: flags))
    }
}

/// `pcmu-encoder`.
public typealias PCMUEncoder = G711Encoder<MuLaw>
/// `pcmu-decoder`.
public typealias PCMUDecoder = G711Decoder<MuLaw>
/// `pcma-encoder`.
public typealias PCMAEncoder = G711Encoder<ALaw>
/// `pcma-decoder`.
public typealias PCMADecoder = G711Decoder<ALaw>

/// The G.711 codec nodes.
public enum G711Plugin: MediaPlugin {
    public static let name = "g711"
    public static let nodeTypes: [any MediaNode.Type] = [PCMUEncoder.self, PCMUDecoder.self,
                                                         PCMAEncoder.self, PCMADecoder.self]
}
