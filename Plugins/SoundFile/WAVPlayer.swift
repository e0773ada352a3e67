public import MediaCore
import CSndFile

/// `wav-player`: plays a sound file (WAV, AU, FLAC, … anything libsndfile reads) as 16-bit PCM
/// at the file's own rate and channel count.
///
/// The file is opened when the pipeline is checked, so a missing file is reported before a call.
public final class WAVPlayer: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "wav-player", category: .source,
        summary: "Plays a sound file as 16-bit PCM at the file's rate and channel count.",
        outputs: [PortSpec("src", .anyPCM())],
        parameters: [
            ParameterSpec("path", .string, required: true, doc: "The file to play (any format libsndfile reads)."),
            ParameterSpec("loop", .bool, default: .bool(false), doc: "Start again at the end instead of ending."),
        ],
        examples: ["wav-player path=prompt.wav ! resample rate=8000 ! pcmu-encoder ! null-sink"])

    private let file: SoundFileHandle
    private let loop: Bool
    private let rate: Int
    private let channels: Int
    private let pool = FramePool(byteCapacity: 4096)
    private var produced: Int64 = 0

    public init(parameters: NodeParameters) throws(NodeError) {
        let path = parameters.string("path") ?? ""
        do {
            file = try SoundFileHandle(reading: path)
        } catch {
            throw .unavailable(error.message)
        }
        loop = parameters.bool("loop")
        rate = Int(file.info.samplerate)
        channels = Int(file.info.channels)
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.pcm(sampleRate: rate, channels: channels, sample: .int16)]
    }

    public var expectedDuration: Duration? {
        loop ? nil : .nanoseconds(Int64(file.info.frames) * 1_000_000_000 / Int64(max(rate, 1)))
    }

    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let wanted = context.samplesThisTick(rate: rate)
        let storage = pool.acquire(minimumCapacity: wanted * channels * 2)
        var got = file.read(into: storage.int16, frames: wanted)
        if got < wanted, loop, file.rewind() {
            got += file.read(into: storage.int16 + got * channels, frames: wanted - got)
        }
        guard got > 0 else { return .endOfStream }
        let frame = Frame(buffer: storage, byteCount: got * channels * 2, sampleCount: got,
                          timestamp: MediaTime(sample: produced, clockRate: rate))
        produced += Int64(got)
        let result = try context.push(frame)
        return got < wanted ? .endOfStream : result
    }

    public func stop(_ context: NodeContext) { file.close() }

    public var summary: String? {
        "played \(MediaTime(sample: produced, clockRate: rate)) from \(file.path)"
    }
}
