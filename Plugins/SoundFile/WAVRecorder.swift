public import MediaCore
import CSndFile

/// `wav-recorder`: writes 16-bit PCM to a sound file, keeping the header valid while it writes.
///
/// The container follows the file extension (`.wav`, `.au`, `.flac`); `encoding` chooses 16-bit
/// PCM, µ-law or A-law. The header is rewritten after every write, so a process killed with
/// SIGKILL leaves a playable file holding everything written so far. Missing parent
/// directories are created.
public final class WAVRecorder: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "wav-recorder", category: .sink,
        summary: "Records PCM to a WAV (or AU, FLAC) file that stays playable if the process dies.",
        inputs: [PortSpec("sink", .anyPCM())],
        parameters: [
            ParameterSpec("path", .string, required: true,
                          doc: "The file to write; the extension picks the container (.wav, .au, .flac)."),
            ParameterSpec("encoding", .choice(["pcm16", "ulaw", "alaw"]), default: .string("pcm16"),
                          doc: "Sample encoding inside the file."),
        ],
        examples: ["sine freq=1000 rate=8000 duration=10s ! wav-recorder path=out.wav",
                   "wav-player path=in.wav ! wav-recorder path=copy.au encoding=ulaw"])

    /// The path being written.
    public let path: String
    private let format: Int32
    private var file: SoundFileHandle?
    private var inputFormat: MediaFormat?
    private var written: Int64 = 0

    public init(parameters: NodeParameters) throws(NodeError) {
        path = parameters.string("path") ?? ""
        guard !path.isEmpty else { throw .configuration("path must not be empty") }
        let container: Int32
        switch path.split(separator: ".").last.map({ $0.lowercased() }) {
        case "au", "snd": container = Int32(SF_FORMAT_AU)
        case "flac": container = Int32(SF_FORMAT_FLAC)
        case "wav", "wave": container = Int32(SF_FORMAT_WAV)
        default:
            throw .configuration("cannot tell the container from '\(path)'; end the name with .wav, .au or .flac")
        }
        let encoding: Int32 = switch parameters.string("encoding") {
        case "ulaw": Int32(SF_FORMAT_ULAW)
        case "alaw": Int32(SF_FORMAT_ALAW)
        default: Int32(SF_FORMAT_PCM_16)
        }
        if container == Int32(SF_FORMAT_FLAC), encoding != Int32(SF_FORMAT_PCM_16) {
            throw .configuration("FLAC files hold PCM only; use encoding=pcm16 or a .wav name")
        }
        format = container | encoding
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        let format = context.inputFormats[0]
        inputFormat = format
        do {
            file = try SoundFileHandle(writing: path, format: self.format, sampleRate: format.clockRate,
                                       channels: format.channels)
        } catch {
            throw .io(error.message)
        }
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        guard let file else { return .endOfStream }
        do {
            try file.write(frame.int16, frames: frame.sampleCount)
        } catch {
            throw .io(error.message)
        }
        written += Int64(frame.sampleCount)
        return .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream { file?.close() }
    }

    public func stop(_ context: NodeContext) { file?.close() }

    public var summary: String? {
        guard let inputFormat else { return nil }
        return "wrote \(MediaTime(sample: written, clockRate: inputFormat.clockRate)) of \(inputFormat) to \(path)"
    }
}

/// Sound-file nodes on libsndfile.
public enum SoundFilePlugin: MediaPlugin {
    public static let name = "soundfile"
    public static let nodeTypes: [any MediaNode.Type] = [WAVPlayer.self, WAVRecorder.self]
}
