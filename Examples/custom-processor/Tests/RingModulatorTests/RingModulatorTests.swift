import Generators
import MediaCore
import MediaTesting
import RingModulator
import Testing

@Suite("ring-modulator")
struct RingModulatorTests {
    @Test("a 1 kHz tone ring-modulated at 100 Hz becomes 900 Hz and 1100 Hz sidebands")
    func sidebands() throws {
        let node = try RingModulator(parameters: NodeParameters(for: RingModulator.descriptor, ["freq": .frequency(100)]))
        let h = try NodeHarness(node, inputs: [.mono16(8000)])
        try h.push(.sine(hz: 1000, duration: .seconds(1), sampleRate: 8000))
        let out = h.outputSamples()
        let carrier = AudioCheck.goertzel(out, sampleRate: 8000, frequency: 1000)
        let lower = AudioCheck.goertzel(out, sampleRate: 8000, frequency: 900)
        let upper = AudioCheck.goertzel(out, sampleRate: 8000, frequency: 1100)
        #expect(lower > 100 * carrier && upper > 100 * carrier)
        try h.finish()
    }

    @Test("the registry accepts the custom type beside the built-ins")
    func registers() throws {
        let registry = try NodeRegistry(plugins: [GeneratorsPlugin.self, RingModulatorPlugin.self])
        #expect(registry.descriptor(named: "ring-modulator")?.category == .filter)
    }
}
