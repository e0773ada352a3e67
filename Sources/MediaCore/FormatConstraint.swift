/// A set of media formats a port accepts or may produce: typed "caps", as in GStreamer.
///
/// A constraint is a list of alternatives; each alternative leaves a field open (`nil`) or lists
/// the values it allows, in order of preference. The graph builder checks every link against the
/// downstream port's constraint, so a mismatch is a build-time error, never a runtime crash.
///
/// ```
/// FormatConstraint.pcm(rates: [8_000], channels: [1])   // what pcmu-encoder accepts
/// FormatConstraint.anyPCM(sample: .int16)               // gain, wav-recorder, …
/// FormatConstraint.encoded(.pcmu)                       // pcmu-decoder
/// ```
public struct FormatConstraint: Hashable, Sendable, CustomStringConvertible {
    /// One family of acceptable formats.
    public enum Alternative: Hashable, Sendable {
        /// PCM; `nil` fields accept any value, lists are in preference order.
        case pcm(rates: [Int]?, channels: [Int]?, samples: [SampleType]?)
        /// Encoded frames; `nil` fields accept any value.
        case encoded(codecs: [CodecID]?, clockRates: [Int]?)
    }

    /// The alternatives, in preference order. Empty means nothing is acceptable.
    public var alternatives: [Alternative]

    /// Creates a constraint from alternatives in preference order.
    public init(_ alternatives: [Alternative]) { self.alternatives = alternatives }

    /// Any format at all.
    public static let any = FormatConstraint([.pcm(rates: nil, channels: nil, samples: nil),
                                              .encoded(codecs: nil, clockRates: nil)])

    /// Any PCM format, optionally restricted to one sample type.
    public static func anyPCM(sample: SampleType? = .int16) -> FormatConstraint {
        FormatConstraint([.pcm(rates: nil, channels: nil, samples: sample.map { [$0] })])
    }

    /// PCM restricted to the given rates and channel counts (sample type `s16` unless given).
    public static func pcm(rates: [Int]? = nil, channels: [Int]? = nil,
                           sample: SampleType = .int16) -> FormatConstraint {
        FormatConstraint([.pcm(rates: rates, channels: channels, samples: [sample])])
    }

    /// Encoded frames of one codec, at any (or the given) clock rates.
    public static func encoded(_ codec: CodecID, clockRates: [Int]? = nil) -> FormatConstraint {
        FormatConstraint([.encoded(codecs: [codec], clockRates: clockRates)])
    }

    /// Exactly one format.
    public static func exactly(_ format: MediaFormat) -> FormatConstraint {
        switch format {
        case .pcm(let rate, let channels, let sample):
            FormatConstraint([.pcm(rates: [rate], channels: [channels], samples: [sample])])
        case .encoded(let codec, let rate, _):
            FormatConstraint([.encoded(codecs: [codec], clockRates: [rate])])
        }
    }

    /// Whether `format` is one of the formats this constraint allows.
    public func contains(_ format: MediaFormat) -> Bool {
        alternatives.contains { alternative in
            switch (alternative, format) {
            case (.pcm(let rates, let channels, let samples), .pcm(let rate, let count, let sample)):
                Self.allows(rates, rate) && Self.allows(channels, count) && Self.allows(samples, sample)
            case (.encoded(let codecs, let rates), .encoded(let codec, let rate, _)):
                Self.allows(codecs, codec) && Self.allows(rates, rate)
            default:
                false
            }
        }
    }

    /// The formats allowed by both constraints.
    public func intersection(_ other: FormatConstraint) -> FormatConstraint {
        var result: [Alternative] = []
        for a in alternatives {
            for b in other.alternatives {
                if let both = Self.intersect(a, b) { result.append(both) }
            }
        }
        return FormatConstraint(result)
    }

    /// Whether no format satisfies the constraint.
    public var isEmpty: Bool { alternatives.isEmpty }

    /// Picks a concrete format, preferring the first listed value of each field and using
    /// `fallback`'s values for fields left open. Returns `nil` when a field has no value to pick.
    public func fixate(preferring fallback: MediaFormat? = nil) -> MediaFormat? {
        if let fallback, contains(fallback) { return fallback }
        for alternative in alternatives {
            switch alternative {
            case .pcm(let rates, let channels, let samples):
                let fb: (Int, Int, SampleType)? = if case .pcm(let r, let c, let s)? = fallback { (r, c, s) } else { nil }
                guard let rate = Self.pick(rates, fb?.0), let count = Self.pick(channels, fb?.1 ?? 1),
                      let sample = Self.pick(samples, fb?.2 ?? .int16) else { continue }
                return .pcm(sampleRate: rate, channels: count, sample: sample)
            case .encoded(let codecs, let rates):
                guard let codec = codecs?.first, let rate = Self.pick(rates, nil) else { continue }
                return .encoded(codec: codec, clockRate: rate, channels: 1)
            }
        }
        return nil
    }

    public var description: String {
        if alternatives.isEmpty { return "nothing" }
        if self == .any { return "any format" }
        return alternatives.map(Self.describe).joined(separator: " or ")
    }

    // MARK: - Helpers

    private static func allows<T: Equatable>(_ list: [T]?, _ value: T) -> Bool {
        list.map { $0.contains(value) } ?? true
    }

    private static func pick<T: Equatable>(_ list: [T]?, _ fallback: T?) -> T? {
        guard let list else { return fallback }
        if let fallback, list.contains(fallback) { return fallback }
        return list.first
    }

    private static func meet<T: Equatable>(_ a: [T]?, _ b: [T]?) -> [T]?? {
        switch (a, b) {
        case (nil, nil): return .some(nil)
        case (let x?, nil), (nil, let x?): return .some(x)
        case (let x?, let y?):
            let common = x.filter { y.contains($0) }
            return common.isEmpty ? nil : .some(common)
        }
    }

    private static func intersect(_ a: Alternative, _ b: Alternative) -> Alternative? {
        switch (a, b) {
        case (.pcm(let r1, let c1, let s1), .pcm(let r2, let c2, let s2)):
            guard let r = meet(r1, r2), let c = meet(c1, c2), let s = meet(s1, s2) else { return nil }
            return .pcm(rates: r, channels: c, samples: s)
        case (.encoded(let k1, let r1), .encoded(let k2, let r2)):
            guard let k = meet(k1, k2), let r = meet(r1, r2) else { return nil }
            return .encoded(codecs: k, clockRates: r)
        default:
            return nil
        }
    }

    private static func describe(_ alternative: Alternative) -> String {
        switch alternative {
        case .pcm(let rates, let channels, let samples):
            let rate = rates.map { $0.map { "\($0)" }.joined(separator: "|") + " Hz" } ?? "any rate"
            let count = channels.map { $0.map(MediaFormat.channelName).joined(separator: "|") } ?? "any channels"
            let sample = samples.map { $0.map(\.rawValue).joined(separator: "|") } ?? "any sample type"
            return "PCM \(rate) \(count) \(sample)"
        case .encoded(let codecs, let rates):
            let codec = codecs.map { $0.map(\.name).joined(separator: "|") } ?? "any codec"
            return rates.map { "\(codec)/\($0.map { "\($0)" }.joined(separator: "|"))" } ?? codec
        }
    }
}
