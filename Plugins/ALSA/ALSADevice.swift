import CALSA
#if canImport(Glibc)
import Glibc
#endif

/// An open ALSA PCM, closed exactly once; confined to its node's executor.
final class ALSADevice {
    let name: String
    let capture: Bool
    private(set) var pcm: OpaquePointer?
    private(set) var rate: Int = 0
    private(set) var channels: Int = 1
    /// Under- and overruns recovered from.
    private(set) var xruns = 0

    /// What a device can do, probed without keeping it open.
    struct Capabilities {
        var rates: ClosedRange<Int>?
        var channels: ClosedRange<Int>?
    }

    /// Opens `device` (or a device defined by `configText`) for capture or playback.
    init(_ device: String, configText: String?, capture: Bool, rate: Int, channels: Int, period: Int) throws(ALSAError) {
        name = device
        self.capture = capture
        callwire_alsa_silence_errors()
        var handle: OpaquePointer?
        let opened = callwire_alsa_open(&handle, device, configText, capture ? 1 : 0, 1)
        guard opened == 0, let handle else { throw ALSAError(device: device, code: opened, capture: capture) }
        var actualRate = UInt32(rate), periodFrames = snd_pcm_uframes_t(period), buffer = snd_pcm_uframes_t(period * 4)
        let configured = callwire_alsa_configure(handle, &actualRate, UInt32(channels), &periodFrames, &buffer)
        guard configured == 0 else {
            snd_pcm_close(handle)
            throw ALSAError(device: device, code: configured, capture: capture,
                            detail: "cannot use \(channels) channel(s) of 16-bit audio at \(rate) Hz")
        }
        guard Int(actualRate) == rate else {
            snd_pcm_close(handle)
            throw ALSAError(device: device, code: 0, capture: capture,
                            detail: "runs at \(actualRate) Hz, not \(rate) Hz; put `resample rate=\(actualRate)` next to it")
        }
        pcm = handle
        self.rate = rate
        self.channels = channels
    }

    deinit { close() }

    /// Probes a device's rate and channel ranges (nil ranges: the device accepts anything).
    static func probe(_ device: String, configText: String?, capture: Bool) throws(ALSAError) -> Capabilities {
        callwire_alsa_silence_errors()
        var minRate: UInt32 = 0, maxRate: UInt32 = 0, minChannels: UInt32 = 0, maxChannels: UInt32 = 0
        let result = callwire_alsa_probe(device, configText, capture ? 1 : 0, &minRate, &maxRate, &minChannels, &maxChannels)
        guard result == 0 else { throw ALSAError(device: device, code: result, capture: capture) }
        return Capabilities(rates: maxRate > 0 ? Int(minRate)...Int(maxRate) : nil,
                            channels: maxChannels > 0 ? Int(minChannels)...Int(maxChannels) : nil)
    }

    /// Writes interleaved frames; recovers from underruns. Returns frames written.
    func write(_ samples: UnsafePointer<Int16>, frames: Int) -> Int {
        guard let pcm else { return 0 }
        var written = 0
        var attempts = 0
        while written < frames, attempts < 3 {
            let n = snd_pcm_writei(pcm, samples + written * channels, snd_pcm_uframes_t(frames - written))
            if n >= 0 {
                written += Int(n)
            } else if n == -Int(EAGAIN) {
                break  // the device buffer is full: drop the rest rather than block the graph
            } else {
                xruns += 1
                if snd_pcm_recover(pcm, Int32(n), 1) < 0 { break }
            }
            attempts += 1
        }
        return written
    }

    /// Reads up to `frames` interleaved frames without blocking; recovers from overruns.
    func read(into samples: UnsafeMutablePointer<Int16>, frames: Int) -> Int {
        guard let pcm else { return 0 }
        var got = 0
        var attempts = 0
        while got < frames, attempts < 3 {
            let n = snd_pcm_readi(pcm, samples + got * channels, snd_pcm_uframes_t(frames - got))
            if n > 0 {
                got += Int(n)
            } else if n == 0 || n == -Int(EAGAIN) {
                break
            } else {
                xruns += 1
                if snd_pcm_recover(pcm, Int32(n), 1) < 0 { break }
            }
            attempts += 1
        }
        return got
    }

    /// Plays out what is buffered (playback) and closes.
    func close() {
        guard let pcm else { return }
        if !capture {
            snd_pcm_nonblock(pcm, 0)
            snd_pcm_drain(pcm)
        }
        snd_pcm_close(pcm)
        self.pcm = nil
    }
}

/// An ALSA failure, worded for the person at the terminal.
struct ALSAError: Error {
    let message: String

    init(device: String, code: Int32, capture: Bool, detail: String? = nil) {
        let what = capture ? "capture" : "playback"
        if let detail {
            message = "audio device '\(device)' (\(what)) \(detail)"
            return
        }
        let reason = String(cString: snd_strerror(code))
        switch -code {
        case ENOENT, ENODEV, ENXIO:
            message = "cannot open audio device '\(device)' for \(what): \(reason) (no sound card?); "
                + "use --no-audio, or a pipeline with wav-player/wav-recorder instead of alsa-source/alsa-sink"
        case EBUSY:
            message = "audio device '\(device)' is busy (another program is using it); close it or pick another device"
        default:
            message = "cannot open audio device '\(device)' for \(what): \(reason)"
        }
    }
}
