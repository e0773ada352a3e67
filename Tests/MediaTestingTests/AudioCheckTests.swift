import MediaCore
import MediaTesting
import Testing

@Suite("Signal fixtures and audio checks")
struct AudioCheckTests {
    @Test("dominant frequency finds a tone to well under 1 Hz", arguments: [300.0, 1000, 1234.5, 3400])
    func dominantFrequency(hz: Double) {
        let tone = Signal.sine(hz: hz, duration: .seconds(2), sampleRate: 8000)
        #expect(abs(AudioCheck.dominantFrequency(tone.samples, sampleRate: 8000) - hz) < 0.5)
    }

    @Test func levels() {
        let tone = Signal.sine(hz: 1000, duration: .seconds(1), sampleRate: 8000, level: 0)
        #expect(abs(AudioCheck.rms(tone.samples) - 32767 / 2.0.squareRoot()) < 2)
        #expect(abs(AudioCheck.rmsDBFS(tone.samples) - -3.01) < 0.05)
        #expect(AudioCheck.peak(tone.samples) == 32767)
        #expect(AudioCheck.rmsDBFS(Signal.silence(duration: .seconds(1), sampleRate: 8000).samples) == -120)
        let noise = Signal.noise(duration: .seconds(1), sampleRate: 8000, level: -20)
        #expect(abs(AudioCheck.rmsDBFS(noise.samples) - -20) < 0.3)
    }

    @Test func snr() {
        let tone = Signal.sine(hz: 500, duration: .seconds(1), sampleRate: 8000)
        #expect(AudioCheck.snr(reference: tone.samples, test: tone.samples) == .infinity)
        let shifted = [Int16](repeating: 0, count: 7) + tone.samples
        #expect(AudioCheck.snr(reference: tone.samples, test: shifted, maxLag: 10) == .infinity, "finds the lag")
        let noisy = zip(tone.samples, Signal.noise(duration: .seconds(1), sampleRate: 8000, level: -46).samples)
            .map { Int16(clamping: Int32($0) + Int32($1)) }
        // Tone RMS is -9 dBFS, noise RMS -46 dBFS: SNR ≈ 37 dB.
        #expect(abs(AudioCheck.snr(reference: tone.samples, test: noisy) - 37) < 1)
    }

    @Test("Goertzel separates the DTMF row and column tones")
    func goertzel() throws {
        let key = Signal.dtmf("5", duration: .milliseconds(100), sampleRate: 8000)
        let (low, high) = try #require(Signal.dtmfFrequencies("5"))
        #expect((low, high) == (770, 1336))
        let onRow = AudioCheck.goertzel(key.samples, sampleRate: 8000, frequency: low)
        let offRow = AudioCheck.goertzel(key.samples, sampleRate: 8000, frequency: 697)
        #expect(onRow > 100 * offRow)
    }

    @Test func chirpSweeps() {
        let chirp = Signal.chirp(from: 200, to: 3000, duration: .seconds(2), sampleRate: 8000)
        let start = AudioCheck.dominantFrequency(Array(chirp.samples[0..<1024]), sampleRate: 8000)
        let end = AudioCheck.dominantFrequency(Array(chirp.samples[(16000 - 1024)...]), sampleRate: 8000)
        #expect(start < 400 && end > 2800)
    }
}
