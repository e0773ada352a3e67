#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides frame by frame whether a mono signal holds speech.
///
/// A frame is speech-like when it is louder than the tracked noise floor by `threshold` (and
/// above an absolute minimum) *and* its spectrum is not flat: the spectral flatness
/// (geometric over arithmetic mean of the power spectrum, 100 Hz–4 kHz) of white noise is
/// ≈ 0.5, of voiced speech ≈ 0.01–0.1. Energy alone calls any loud noise speech, which is
/// exactly what SpeexDSP's default VAD gets wrong.
///
/// Speech starts after `start` of speech-like frames and stops after `hangover` without.
/// The noise floor falls at once and rises 1 dB per second, so it follows a steady background.
public struct SpeechDetector {
    /// Tuning.
    public struct Configuration: Sendable {
        /// How far above the noise floor speech must be, in dB.
        public var threshold: Double = 9
        /// The quietest level counted as speech, in dBFS.
        public var minimumLevel: Double = -50
        /// The highest spectral flatness counted as speech.
        public var maximumFlatness: Double = 0.3
        /// How long speech must last to start an utterance.
        public var start: Duration = .milliseconds(60)
        /// How long the signal must stay non-speech to end one.
        public var hangover: Duration = .milliseconds(400)

        /// The defaults.
        public init() {}
    }

    /// A change of state.
    public enum Transition: Equatable, Sendable {
        /// Speech began `framesAgo` frames before the current one (the start delay).
        case started(framesAgo: Int)
        /// Speech ended `framesAgo` frames before the current one (the hang-over).
        case stopped(framesAgo: Int)
    }

    public let configuration: Configuration
    /// Samples per analysis frame (20 ms).
    public let frameSize: Int
    private let sampleRate: Int
    private let fft: FFT
    private var real: [Double], imaginary: [Double]
    private let window: [Double]
    private let lowBin: Int, highBin: Int
    private var floor = -60.0
    private var speechRun = 0, silenceRun = 0
    private let startFrames: Int, hangoverFrames: Int
    /// Whether an utterance is in progress.
    public private(set) var isSpeaking = false
    /// The last frame's level in dBFS and spectral flatness (for tests and tuning).
    public private(set) var lastLevel = -120.0, lastFlatness = 1.0

    /// Creates a detector for `sampleRate` Hz audio in 20 ms frames.
    public init(sampleRate: Int, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.sampleRate = sampleRate
        frameSize = sampleRate / 50
        fft = FFT(size: frameSize)
        real = [Double](repeating: 0, count: fft.size)
        imaginary = [Double](repeating: 0, count: fft.size)
        window = (0..<frameSize).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(max(sampleRate / 50 - 1, 1))) }
        let binHz = Double(sampleRate) / Double(fft.size)
        lowBin = max(1, Int(100 / binHz))
        highBin = min(fft.size / 2 - 1, Int(min(4_000, Double(sampleRate) / 2 - 1) / binHz))
        let frameNanos = 20_000_000.0
        startFrames = max(1, Int((Double(configuration.start.components.seconds) * 1e9
            + Double(configuration.start.components.attoseconds) / 1e9) / frameNanos))
        hangoverFrames = max(1, Int((Double(configuration.hangover.components.seconds) * 1e9
            + Double(configuration.hangover.components.attoseconds) / 1e9) / frameNanos))
    }

    /// Analyses one frame of `frameSize` samples.
    /// - Returns: a transition when speech starts or stops at this frame.
    public mutating func analyze(_ samples: UnsafePointer<Int16>) -> Transition? {
        var sum = 0.0
        for i in 0..<frameSize {
            let x = Double(samples[i])
            sum += x * x
            real[i] = x * window[i]
            imaginary[i] = 0
        }
        for i in frameSize..<fft.size {
            real[i] = 0
            imaginary[i] = 0
        }
        let rms = (sum / Double(frameSize)).squareRoot()
        let level = rms <= 0 ? -120 : 20 * log10(rms / 32_768)
        lastLevel = level
        let flatness = spectralFlatness()
        lastFlatness = flatness
        let speechLike = level > max(floor + configuration.threshold, configuration.minimumLevel)
            && flatness < configuration.maximumFlatness
        // Noise floor: down at once, up 1 dB/s (0.02 dB per 20 ms frame).
        floor = level < floor ? level : min(floor + 0.02, level)
        if speechLike {
            speechRun += 1
            silenceRun = 0
            if !isSpeaking, speechRun >= startFrames {
                isSpeaking = true
                return .started(framesAgo: speechRun - 1)
            }
        } else {
            speechRun = 0
            silenceRun += 1
            if isSpeaking, silenceRun >= hangoverFrames {
                isSpeaking = false
                return .stopped(framesAgo: silenceRun - 1)
            }
        }
        return nil
    }

    /// Analyses a frame given as an array (tests).
    public mutating func analyze(_ samples: [Int16]) -> Transition? {
        samples.withUnsafeBufferPointer { analyze($0.baseAddress!) }
    }

    private mutating func spectralFlatness() -> Double {
        real.withUnsafeMutableBufferPointer { r in
            imaginary.withUnsafeMutableBufferPointer { i in fft.transform(r.baseAddress!, i.baseAddress!) }
        }
        var logSum = 0.0, sum = 0.0
        let count = Double(highBin - lowBin + 1)
        for bin in lowBin...highBin {
            let power = real[bin] * real[bin] + imaginary[bin] * imaginary[bin] + 1e-3
            logSum += log(power)
            sum += power
        }
        return exp(logSum / count) / (sum / count)
    }
}
