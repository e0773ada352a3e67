public import MediaCore

/// Rates offered when a device accepts a range.
private let commonRates = [8_000, 16_000, 32_000, 44_100, 48_000, 11_025, 22_050, 96_000]

private let deviceParameters: [ParameterSpec] = [
    ParameterSpec("device", .string, default: .string("default"), doc: "ALSA device name (default, hw:0,0, null, file:FILE=…)."),
    ParameterSpec("config", .string, default: .string(""),
                  doc: "ALSA configuration text defining the device (instead of the system configuration)."),
    ParameterSpec("period", .duration, default: .duration(.milliseconds(20)), range: 0.005...0.2,
                  doc: "Device period; the buffer holds four periods."),
]

/// The formats a probed device accepts, as a constraint.
private func constraint(_ capabilities: ALSADevice.Capabilities, channels: [Int]?) -> FormatConstraint {
    let rates = capabilities.rates.map { range in commonRates.filter(range.contains) }
    let channelList = channels ?? capabilities.channels.map { Array($0.clamped(to: 1...8)) }
    return .pcm(rates: rates, channels: channelList)
}

/// `alsa-sink`: plays PCM on an ALSA device at the device's own rate (put `resample` before it
/// when the stream's rate differs). Underruns are recovered; the buffer is played out at the end.
public final class ALSASink: MediaNode {
    public static let descriptor = NodeDescriptor(
        name: "alsa-sink", category: .sink,
        summary: "Plays 16-bit PCM on an ALSA device; recovers from underruns.",
        inputs: [PortSpec("sink", .anyPCM())],
        parameters: deviceParameters,
        examples: ["sine duration=2s rate=48000 ! alsa-sink device=default", "wav-player path=a.wav ! resample rate=48000 ! alsa-sink"])

    private let deviceName: String, configText: String?, period: Duration
    private let accepted: FormatConstraint
    private var device: ALSADevice?
    private var written: Int64 = 0
    private var format: MediaFormat?

    /// Probes the device (unless the pipeline is only checked, see
    /// ``NodeParameters/probesDevices``), so a missing one is reported before a call starts.
    public init(parameters: NodeParameters) throws(NodeError) {
        deviceName = parameters.string("device") ?? "default"
        let config = parameters.string("config") ?? ""
        configText = config.isEmpty ? nil : config
        period = parameters.duration("period")
        guard parameters.probesDevices else {
            accepted = .anyPCM()
            return
        }
        do {
            accepted = constraint(try ALSADevice.probe(deviceName, configText: configText, capture: false), channels: nil)
        } catch {
            throw .unavailable(error.message)
        }
    }

    public func acceptedFormats(forInput port: Int) -> FormatConstraint { accepted }

    public func start(_ context: NodeContext) throws(NodeError) {
        let format = context.inputFormats[0]
        self.format = format
        do {
            device = try ALSADevice(deviceName, configText: configText, capture: false, rate: format.clockRate,
                                    channels: format.channels, period: period.samples(atRate: format.clockRate))
        } catch {
            throw .unavailable(error.message)
        }
    }

    public func process(_ frame: Frame, port: Int, context: NodeContext) throws(NodeError) -> FlowResult {
        written += Int64(device?.write(frame.int16, frames: frame.sampleCount) ?? 0)
        return .ok
    }

    public func handle(_ event: MediaEvent, from origin: EventOrigin, context: NodeContext) throws(NodeError) {
        if event == .endOfStream { device?.close() }
    }

    public func stop(_ context: NodeContext) { device?.close() }

    public var summary: String? {
        guard let format else { return nil }
        let xruns = device?.xruns ?? 0
        return "played \(MediaTime(sample: written, clockRate: format.clockRate)) of \(format) on \(deviceName)"
            + (xruns > 0 ? " (\(xruns) underruns)" : "")
    }
}

/// `alsa-source`: captures PCM from an ALSA device, one graph period per tick. The graph's clock
/// paces it (ALSA's file and null devices do not pace themselves); when the device has less
/// than a period ready, the rest of the frame is silence.
public final class ALSASource: SourceNode {
    public static let descriptor = NodeDescriptor(
        name: "alsa-source", category: .source,
        summary: "Captures 16-bit PCM from an ALSA device; recovers from overruns.",
        outputs: [PortSpec("src", .anyPCM())],
        parameters: deviceParameters + [
            ParameterSpec("rate", .sampleRate, default: .int(48_000), range: 8_000...192_000, doc: "Capture rate."),
            ParameterSpec("channels", .int, default: .int(1), range: 1...8, doc: "Captured channels."),
        ],
        examples: ["alsa-source rate=48000 ! resample rate=8000 ! pcmu-encoder ! null-sink"])

    private let deviceName: String, configText: String?, period: Duration
    private let rate: Int, channels: Int
    private var device: ALSADevice?
    private var produced: Int64 = 0
    private var shortfall: Int64 = 0
    private let pool = FramePool(byteCapacity: 8_192)

    public init(parameters: NodeParameters) throws(NodeError) {
        deviceName = parameters.string("device") ?? "default"
        let config = parameters.string("config") ?? ""
        configText = config.isEmpty ? nil : config
        period = parameters.duration("period")
        rate = parameters.int("rate")
        channels = parameters.int("channels")
        guard parameters.probesDevices else { return }
        let capabilities: ALSADevice.Capabilities
        do {
            capabilities = try ALSADevice.probe(deviceName, configText: configText, capture: true)
        } catch {
            throw .unavailable(error.message)
        }
        if let rates = capabilities.rates, !rates.contains(rate) {
            throw .configuration("audio device '\(deviceName)' captures at \(rates.lowerBound)–\(rates.upperBound) Hz, not \(rate) Hz")
        }
    }

    public func negotiate(_ negotiation: FormatNegotiation) throws(NodeError) -> [MediaFormat] {
        [.pcm(sampleRate: rate, channels: channels, sample: .int16)]
    }

    public func start(_ context: NodeContext) throws(NodeError) {
        do {
            device = try ALSADevice(deviceName, configText: configText, capture: true, rate: rate, channels: channels,
                                    period: period.samples(atRate: rate))
        } catch {
            throw .unavailable(error.message)
        }
    }

    public func produce(_ context: NodeContext) throws(NodeError) -> FlowResult {
        let count = context.samplesThisTick(rate: rate)
        let out = pool.acquire(minimumCapacity: count * channels * 2)
        let got = device?.read(into: out.int16, frames: count) ?? 0
        if got < count {
            (out.int16 + got * channels).update(repeating: 0, count: (count - got) * channels)
            shortfall += Int64(count - got)
        }
        let frame = Frame(buffer: out, byteCount: count * channels * 2, sampleCount: count,
                          timestamp: MediaTime(sample: produced, clockRate: rate))
        produced += Int64(count)
        return try context.push(frame)
    }

    public func stop(_ context: NodeContext) { device?.close() }

    public var summary: String? {
        let missing = shortfall > 0 ? " (\(MediaTime(sample: shortfall, clockRate: rate)) filled with silence)" : ""
        return "captured \(MediaTime(sample: produced, clockRate: rate)) from \(deviceName)\(missing)"
    }
}

/// The ALSA nodes.
public enum ALSAPlugin: MediaPlugin {
    public static let name = "alsa"
    public static let nodeTypes: [any MediaNode.Type] = [ALSASource.self, ALSASink.self]
}
