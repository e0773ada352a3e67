public import MediaCore
public import SDP
import RTPNodes

/// A call's graph as ``CallPipeline/attach(_:session:fields:catalog:period:)`` built it, with
/// the nodes that let it follow offer/answer: the codec bins in `@encoder`/`@decoder` and the
/// RTP nodes in `@rtp-out`/`@rtp-in`.
///
/// ```
///  … ! [encoder-bin] ! rtp-sender          rtp-receiver ! jitter-buffer ! [decoder-bin] ! …
///        ▲ reconfigure ─────▶ (in-band)         ▲ reconfigure ──────▶ (in-band) ──────▶
///        └──── change(to:) ─────────────────────┘
/// ```
/// A codec change is sent to the encoder bin and to the receiver; each passes it on in-band,
/// so both directions switch between two frames while the rest of the graph (recorders,
/// recognizers) keeps running.
public final class CallGraph: @unchecked Sendable {
    /// The graph to schedule.
    public let graph: Graph
    /// The codec the graph runs now (changed by ``change(to:catalog:)``; call from one executor).
    public private(set) var codec: CodecCapability
    /// The negotiated telephone-event mapping, if any.
    public private(set) var telephoneEvent: RTPMap?
    let encoder: EncoderBin, decoder: DecoderBin
    let sender: RTPSenderNode, receiver: RTPReceiverNode

    init(graph: Graph, encoder: EncoderBin, decoder: DecoderBin, sender: RTPSenderNode, receiver: RTPReceiverNode,
         codec: CodecCapability, telephoneEvent: RTPMap?) {
        self.graph = graph
        self.encoder = encoder
        self.decoder = decoder
        self.sender = sender
        self.receiver = receiver
        self.codec = codec
        self.telephoneEvent = telephoneEvent
    }

    /// Switches both directions to `negotiated`'s codec and payload types when they differ from
    /// what runs now (RFC 3264 §8.3.2), at the next tick boundary. Thread-safe.
    /// - Returns: whether anything changed, or nil when no installed processor handles the codec.
    @discardableResult
    public func change(to negotiated: NegotiatedAudio, catalog: CodecCatalog) -> Bool? {
        guard let entry = catalog.entry(for: negotiated.codec) else { return nil }
        var capability = entry.capability
        capability.payloadType = negotiated.codec.payloadType
        let events = negotiated.telephoneEvent
        guard capability != codec || events?.payloadType != telephoneEvent?.payloadType else { return false }
        var fields = ["codec": entry.capability.description, "payload-type": String(negotiated.codec.payloadType),
                      "encoding": entry.capability.encoding, "clock-rate": String(entry.format.clockRate),
                      "channels": String(entry.format.channels)]
        if let events { fields["event-payload-type"] = String(events.payloadType) }
        if let name = graph.name(of: encoder) { graph.send(.reconfigure(fields), to: name) }
        if let name = graph.name(of: receiver) { graph.send(.reconfigure(fields), to: name) }
        codec = capability
        telephoneEvent = events
        return true
    }
}

/// Values for the `%` fields of a call's string parameters — a recording path such as
/// `calls/%i.wav` — so that concurrent calls write separate files:
///
/// | field | value |
/// |---|---|
/// | `%i` | the Call-ID |
/// | `%p` | the peer: the user part of its address (or its host) |
/// | `%t` | the call's start, local time, `YYYYmmdd-HHMMSS` |
/// | `%n` | the call's number in this process (1, 2, …) |
/// | `%d` | `in` or `out` |
/// | `%%` | a `%` |
///
/// Values are made safe for file names (`/` and other separators become `_`).
public struct CallFields: Sendable, Hashable {
    /// Field letter → value.
    public var values: [Character: String]

    /// Fields with these values.
    public init(callID: String = "", peer: String = "", start: String = "", number: Int = 0, incoming: Bool = false) {
        values = ["i": callID, "p": peer, "t": start, "n": String(number), "d": incoming ? "in" : "out"]
    }

    /// `text` with each `%x` replaced; unknown fields stay as written.
    public func expand(_ text: String) -> String {
        var out = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else {
                out.append(character)
                continue
            }
            guard let field = iterator.next() else {
                out.append("%")
                break
            }
            if field == "%" {
                out.append("%")
            } else if let value = values[field] {
                out += Self.safe(value)
            } else {
                out.append("%")
                out.append(field)
            }
        }
        return out
    }

    private static func safe(_ value: String) -> String {
        String(value.map { "/\\\0:*?\"<>| ".contains($0) ? "_" : $0 })
    }
}
