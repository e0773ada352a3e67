import DSP
import Foundation
import MediaTesting
import Testing

@Suite("DSP building blocks")
struct DSPTests {
    @Test("FFT finds a tone's bin; Goertzel measures a frequency")
    func fftAndGoertzel() {
        let fft = FFT(size: 256)
        var re = (0..<256).map { (n: Int) -> Double in sin(2 * Double.pi * 16 * Double(n) / 256) }
        var im = [Double](repeating: 0, count: 256)
        fft.transform(&re, &im)
        let power = (0..<128).map { (k: Int) -> Double in re[k] * re[k] + im[k] * im[k] }
        #expect(power.firstIndex(of: power.max()!) == 16)
        let tone = Signal.sine(hz: 1209, duration: .milliseconds(50), sampleRate: 8000, level: 0)
        #expect(Goertzel(frequency: 1209, sampleRate: 8000).power(tone.samples) > 0.2)
        #expect(Goertzel(frequency: 1336, sampleRate: 8000).power(tone.samples) < 0.01)
    }

    @Test("high-pass and low-pass filters pass and stop what they should")
    func filters() {
        let low = Signal.sine(hz: 200, duration: .seconds(1), sampleRate: 16_000, level: -6)
        let high = Signal.sine(hz: 6_000, duration: .seconds(1), sampleRate: 16_000, level: -6)
        func filtered(_ signal: Signal, _ filter: Biquad) -> [Int16] {
            var f = filter
            return signal.samples.map { Int16(clamping: Int(f.process(Double($0)))) }
        }
        let hp = Biquad.highPass(cutoff: 4_000, sampleRate: 16_000)
        #expect(AudioCheck.rmsDBFS(filtered(low, hp)[4000...]) < AudioCheck.rmsDBFS(low.samples) - 30)
        #expect(abs(AudioCheck.rmsDBFS(filtered(high, hp)[4000...]) - AudioCheck.rmsDBFS(high.samples)) < 2)
        let lp = Biquad.lowPass(cutoff: 1_000, sampleRate: 16_000)
        #expect(AudioCheck.rmsDBFS(filtered(high, lp)[4000...]) < AudioCheck.rmsDBFS(high.samples) - 30)
    }

    @Test("spectral flatness separates white noise from a voiced-like harmonic signal")
    func flatness() {
        var detector = SpeechDetector(sampleRate: 8_000)
        let noise = Signal.noise(duration: .milliseconds(20), sampleRate: 8_000, level: -20)
        _ = detector.analyze(noise.samples)
        #expect(detector.lastFlatness > 0.4)
        let harmonics = (0..<160).map { (n: Int) -> Int16 in
            var value = 0.0
            for h in 1...8 { value += 2_000 / Double(h) * sin(2 * Double.pi * 150 * Double(h) * Double(n) / 8_000) }
            return Int16(value)
        }
        _ = detector.analyze(harmonics)
        #expect(detector.lastFlatness < 0.1)
    }
}
