public import MediaCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sine`: a pure tone, the test signal of choice.
public final class SineSource: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "sine", category: .source,
        summary: "Generates a sine tone as signed 16-bit PCM.",
        outputs: [PortSpec("src", .anyPCM())],
        parameters: [
            ParameterSpec("freq", .frequency, default: .frequency(440), range: 0...96_000,
                          doc: "Tone frequency in Hz (must be below half the sample rate)."),
            ParameterSpec("level", .decibels, default: .decibels(SineSource.testToneLevel), range: -120...0,
                          doc: "Peak level in dBFS; the default is 0 dBm0, the telephony test-tone level."),
            GeneratorParameters.rate, GeneratorParameters.channels, GeneratorParameters.duration,
        ],
        examples: ["sine freq=1000 rate=8000 duration=10s ! wav-recorder path=tone.wav",
                   "sine freq=440 level=-12dB rate=16kHz ! null-sink"])

    /// 0 dBm0 in dBFS: G.711's overload point is +3.14 dBm0 (ITU-T G.711 §3), so the standard
    /// telephony test tone peaks 3.14 dB below digital full scale.
    public static let testToneLevel = -3.14

    // Per-frame state, touched only by this node on the graph's executor: no runtime
    // exclusivity check needed.
    @exclusivity(unchecked) private var schedule: ToneSchedule
    @exclusivity(unchecked) private var oscillator: SineOscillator
    private let channels: Int
    private let pool = FramePool(byteCapacity: 4096)

    public init(parameters: NodeParameters) throws(NodeError) {
        let rate = parameters.int("rate")
        let freq = parameters.double("freq")
        guard freq < Double(rate) / 2 else {
            throw .configuration("freq=\(ParameterValue.frequency(freq)) must be below half of rate=\(rate) (the Nyquist limit)")
        }
        schedule = ToneSchedule(rate: rate, duration: parameters.duration("duration"))
        channels = parameters.int("channels")
        oscillator = SineOscillator(frequency: freq, sampleRate: rate,
                                    amplitude: 32767 * pow(10, parameters.double("level") / 20))
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.pcm(sampleRate: schedule.rate, channels: channels, sample: .int16)]
    }

    public var expectedDuration: Duration? { schedule.expectedDuration }

    @inline(__always)  // the witness holds the body: one call per tick (see MediaNode.process)
    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let channels = self.channels
        return try schedule.emit(context, pool: pool, channels: channels) { samples, count in
            oscillator.render(into: samples, count: count, channels: channels)
        }
    }
}

/// A sine oscillator: a rotating phasor (one complex multiply per sample) re-normalized after
/// every block, so it stays exact to ~1e-12 over hours and costs about a nanosecond per sample.
public struct SineOscillator: Sendable {
    private let stepRe: Double, stepIm: Double
    private let amplitude: Double
    private var re = 1.0, im = 0.0

    /// Creates an oscillator starting at phase 0 with `amplitude` in 16-bit units.
    public init(frequency: Double, sampleRate: Int, amplitude: Double) {
        let omega = 2 * Double.pi * frequency / Double(sampleRate)
        stepRe = cos(omega)
        stepIm = sin(omega)
        self.amplitude = amplitude
    }

    /// Writes the next `count` samples (rounded to nearest), repeated on `channels` interleaved channels.
    public mutating func render(into out: UnsafeMutablePointer<Int16>, count: Int, channels: Int = 1) {
        var re = self.re, im = self.im
        let sr = stepRe, si = stepIm, amp = amplitude
        for i in 0..<count {
            // Round half away from zero with a truncating conversion (no libm call).
            let scaled = amp * im
            let value = Int16(scaled + (scaled < 0 ? -0.5 : 0.5))
            for c in 0..<channels { out[i * channels + c] = value }
            let nextRe = re * sr - im * si
            im = re * si + im * sr
            re = nextRe
        }
        let norm = 1 / (re * re + im * im).squareRoot()
        self.re = re * norm
        self.im = im * norm
    }
}
