public import MediaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dtmf-tone`: plays DTMF keys as in-band dual tones (ITU-T Q.23 frequencies).
///
/// Keys come from `digits=` or arrive at run time as `dtmf` or `text` events (typed keys).
/// With `digits=` the source ends after the last key; without it, it stays open, playing
/// silence between keys.
public final class DTMFToneSource: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "dtmf-tone", category: .source,
        summary: "Generates DTMF key tones (Q.23 pairs) from digits= or from typed keys at run time.",
        outputs: [PortSpec("src", .pcm(channels: [1]))],
        parameters: [
            ParameterSpec("digits", .string, default: .string(""), doc: "Keys to play: 0-9, *, #, A-D."),
            ParameterSpec("tone", .duration, default: .duration(.milliseconds(100)), range: 0.02...2,
                          doc: "How long each key sounds."),
            ParameterSpec("gap", .duration, default: .duration(.milliseconds(100)), range: 0.02...2,
                          doc: "Silence after each key."),
            ParameterSpec("level", .decibels, default: .decibels(-10), range: -40...(-3),
                          doc: "Peak level of each of the two tones, in dBFS."),
            ParameterSpec("rate", .sampleRate, default: .int(8_000), range: 8_000...48_000, doc: "Output sample rate."),
        ],
        examples: ["dtmf-tone digits=123# ! pcmu-encoder ! pcmu-decoder ! dtmf-detector"])

    private var queue: [DTMFDigit] = []
    private let toneSamples: Int, gapSamples: Int
    private let amplitude: Double
    private let rate: Int
    private let endsWhenDone: Bool
    private var current: (low: Double, high: Double)?
    private var position = 0
    private var phase = 0
    private var produced: Int64 = 0
    private let pool = FramePool(byteCapacity: 4_096)

    public init(parameters: NodeParameters) throws(NodeError) {
        let text = parameters.string("digits") ?? ""
        for character in text where !character.isWhitespace {
            guard let digit = DTMFDigit(character) else {
                throw .configuration("'\(character)' is not a DTMF key; keys are 0-9, *, #, A-D")
            }
            queue.append(digit)
        }
        endsWhenDone = !queue.isEmpty
        rate = parameters.int("rate")
        toneSamples = parameters.duration("tone").samples(atRate: rate)
        gapSamples = parameters.duration("gap").samples(atRate: rate)
        amplitude = 32_767 * pow(10, parameters.double("level") / 20)
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] { [.mono16(rate)] }

    public var expectedDuration: Duration? {
        endsWhenDone ? .nanoseconds(Int64(queue.count * (toneSamples + gapSamples)) * 1_000_000_000 / Int64(rate)) : nil
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        switch event {
        case .dtmf(let digit, _, _): queue.append(digit)
        case .text(let text): queue += text.compactMap(DTMFDigit.init)
        default: try context.forward(event)
        }
    }

    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let count = context.samplesThisTick(rate: rate)
        if current == nil, position == 0, queue.isEmpty, endsWhenDone { return .endOfStream }
        let out = pool.acquire(minimumCapacity: count * 2)
        let samples = out.int16
        for i in 0..<count {
            if current == nil, position == 0, !queue.isEmpty {
                let digit = queue.removeFirst()
                current = DTMFDigit.frequencies(digit)
                phase = 0
                context.post(.dtmf(digit, at: MediaTime(sample: produced + Int64(i), clockRate: rate),
                                   duration: .nanoseconds(Int64(toneSamples) * 1_000_000_000 / Int64(rate))))
            }
            if let (low, high) = current, position < toneSamples {
                let t = Double(phase) / Double(rate)
                samples[i] = Int16(amplitude * (sin(2 * Double.pi * low * t) + sin(2 * Double.pi * high * t)))
                phase += 1
                position += 1
            } else if current != nil {
                samples[i] = 0
                position += 1
                if position >= toneSamples + gapSamples {
                    current = nil
                    position = 0
                }
            } else {
                samples[i] = 0
            }
        }
        let frame = Frame(buffer: out, byteCount: count * 2, sampleCount: count, timestamp: MediaTime(sample: produced, clockRate: rate))
        produced += Int64(count)
        return try context.push(frame)
    }
}

extension DTMFDigit {
    /// The row and column frequencies of a key (ITU-T Q.23).
    static func frequencies(_ digit: DTMFDigit) -> (low: Double, high: Double) {
        let index = "123A456B789C*0#D".firstIndex(of: digit.character)!
        let offset = "123A456B789C*0#D".distance(from: "123A456B789C*0#D".startIndex, to: index)
        return (DTMFDetector.rows[offset / 4], DTMFDetector.columns[offset % 4])
    }
}
