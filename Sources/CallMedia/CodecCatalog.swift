public import MediaCore
public import SDP

/// Which node types encode and decode each codec Callwire can offer.
public struct CodecCatalog: Sendable {
    /// One codec and the nodes that implement it.
    public struct Entry: Sendable {
        /// The codec as SDP names it, with the payload type offered for it.
        public var capability: CodecCapability
        /// The encoder node type and its parameters.
        public var encoder: (type: String, parameters: [String: ParameterValue])
        /// The decoder node type and its parameters.
        public var decoder: (type: String, parameters: [String: ParameterValue])
        /// The encoded format on the wire.
        public var format: MediaFormat
    }

    /// The entries, in Callwire's order of preference for offers: wideband first.
    public var entries: [Entry]

    /// Creates a catalog.
    public init(entries: [Entry]) { self.entries = entries }

    /// Every codec Callwire knows, whether or not its nodes are installed.
    public static let all = CodecCatalog(entries: [
        Entry(capability: .speexWideband, encoder: ("speex-encoder", ["mode": .string("wb")]), decoder: ("speex-decoder", [:]),
              format: .encoded(codec: .speex, clockRate: 16_000, channels: 1)),
        Entry(capability: .pcmu, encoder: ("pcmu-encoder", [:]), decoder: ("pcmu-decoder", [:]),
              format: .encoded(codec: .pcmu, clockRate: 8_000, channels: 1)),
        Entry(capability: .pcma, encoder: ("pcma-encoder", [:]), decoder: ("pcma-decoder", [:]),
              format: .encoded(codec: .pcma, clockRate: 8_000, channels: 1)),
        Entry(capability: .speexNarrowband, encoder: ("speex-encoder", ["mode": .string("nb")]), decoder: ("speex-decoder", [:]),
              format: .encoded(codec: .speex, clockRate: 8_000, channels: 1)),
        Entry(capability: .speexUltraWideband, encoder: ("speex-encoder", ["mode": .string("uwb")]), decoder: ("speex-decoder", [:]),
              format: .encoded(codec: .speex, clockRate: 32_000, channels: 1)),
    ])

    /// The entries whose encoder and decoder are both in `registry`.
    public func installed(in registry: NodeRegistry) -> CodecCatalog {
        CodecCatalog(entries: entries.filter {
            registry.descriptor(named: $0.encoder.type) != nil && registry.descriptor(named: $0.decoder.type) != nil
        })
    }

    /// The entry a codec's name designates, as ``CodecCapability/description`` prints it
    /// (`PCMU/8000`, `speex/16000`), in any case.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.capability.description.lowercased() == name.lowercased() }
    }

    /// The entry for a negotiated rtpmap.
    public func entry(for map: RTPMap) -> Entry? {
        entries.first { $0.capability.matches(map) }
    }
}
