public import MediaCore
public import SDP

/// Which node types encode and decode each codec Callwire can offer.
public struct CodecCatalog: Sendable {
    /// Encoder and decoder parameters that follow from the negotiated media.
    public typealias Tuning = @Sendable (NegotiatedAudio) -> (encoder: [String: ParameterValue], decoder: [String: ParameterValue])
    /// This side's `a=fmtp` text for a codec, from the formats the pipeline feeds its encoder
    /// (`capture`) and takes from its decoder (`playback`).
    public typealias LocalParameters = @Sendable (_ capture: MediaFormat?, _ playback: MediaFormat?) -> String?

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
        /// Parameters set from what was negotiated (the peer's `a=fmtp`, its ptime), over the
        /// fixed ones above.
        public var tuning: Tuning
        /// The `a=fmtp` this side writes for the codec; `nil` writes the capability's own.
        public var localParameters: LocalParameters?

        /// Creates an entry.
        public init(capability: CodecCapability, encoder: (type: String, parameters: [String: ParameterValue]),
                    decoder: (type: String, parameters: [String: ParameterValue]), format: MediaFormat,
                    tuning: @escaping Tuning = { _ in ([:], [:]) }, localParameters: LocalParameters? = nil) {
            self.capability = capability
            self.encoder = encoder
            self.decoder = decoder
            self.format = format
            self.tuning = tuning
            self.localParameters = localParameters
        }

        /// This entry with the parameters `negotiated` implies (``tuning``) set on its nodes.
        public func tuned(for negotiated: NegotiatedAudio) -> Entry {
            var entry = self
            let (encoder, decoder) = tuning(negotiated)
            entry.encoder.parameters.merge(encoder) { $1 }
            entry.decoder.parameters.merge(decoder) { $1 }
            return entry
        }
    }

    /// The entries, in Callwire's order of preference for offers: wideband first.
    public var entries: [Entry]

    /// Creates a catalog.
    public init(entries: [Entry]) { self.entries = entries }

    /// Every codec Callwire knows, whether or not its nodes are installed.
    ///
    /// Callwire's own order is kept (Speex wideband, G.711, Speex narrowband: what two Callwires
    /// settle on does not change); Opus, G.722 and GSM follow. An answer takes the first common
    /// codec in the *offer's* order, so a phone that offers Opus or G.722 first gets it.
    public static let all = CodecCatalog(entries: [
        Entry(capability: .speexWideband, encoder: ("speex-encoder", ["mode": .string("wb")]), decoder: ("speex-decoder", [:]),
              format: .encoded(codec: .speex, clockRate: 16_000, channels: 1)),
        Entry(capability: .pcmu, encoder: ("pcmu-encoder", [:]), decoder: ("pcmu-decoder", [:]),
              format: .encoded(codec: .pcmu, clockRate: 8_000, channels: 1)),
        Entry(capability: .pcma, encoder: ("pcma-encoder", [:]), decoder: ("pcma-decoder", [:]),
              format: .encoded(codec: .pcma, clockRate: 8_000, channels: 1)),
        Entry(capability: .speexNarrowband, encoder: ("speex-encoder", ["mode": .string("nb")]), decoder: ("speex-decoder", [:]),
              format: .encoded(codec: .speex, clockRate: 8_000, channels: 1)),
        Entry(capability: .opus, encoder: ("opus-encoder", [:]), decoder: ("opus-decoder", [:]),
              format: .encoded(codec: "opus", clockRate: 48_000, channels: 2),
              tuning: OpusParameters.tuning, localParameters: OpusParameters.local),
        Entry(capability: .g722, encoder: ("g722-encoder", [:]), decoder: ("g722-decoder", [:]),
              format: .encoded(codec: "G722", clockRate: 8_000, channels: 1),
              tuning: { (["frame-duration": .duration(.milliseconds(packetTime($0, allowed: 10...60)))], [:]) }),
        Entry(capability: .gsm, encoder: ("gsm-encoder", [:]), decoder: ("gsm-decoder", [:]),
              format: .encoded(codec: "GSM", clockRate: 8_000, channels: 1),
              tuning: { (["frames-per-packet": .int(packetTime($0, allowed: 20...200) / 20)], [:]) }),
        Entry(capability: .speexUltraWideband, encoder: ("speex-encoder", ["mode": .string("uwb")]), decoder: ("speex-decoder", [:]),
              format: .encoded(codec: .speex, clockRate: 32_000, channels: 1)),
    ])

    /// The peer's ptime in whole milliseconds, kept within `allowed` (RFC 3264 §5.1: a ptime
    /// is a wish, not an obligation).
    static func packetTime(_ negotiated: NegotiatedAudio, allowed: ClosedRange<Int>) -> Int {
        min(max(negotiated.packetTime, allowed.lowerBound), allowed.upperBound)
    }

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
