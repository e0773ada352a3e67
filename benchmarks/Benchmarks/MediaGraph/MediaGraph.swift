import BasicElements
import Benchmark
import CallwireBuiltins
import G711
import Generators
import MediaCore
import PipelineLanguage
#if canImport(Glibc)
import Glibc
#endif

/// The graph benchmarks of the media core.
///
/// One inner iteration is one 20 ms frame (one graph tick); each sample runs 1,000 of them
/// (20 s of audio) and the table reports per frame (`*` = scaled). `graph-chain` and
/// `plain-loop` do the same work — the same oscillator, three gains, G.711 µ-law encode and
/// decode — once through the graph and once in a straight loop, so their ratio is the graph's
/// overhead. Mallocs are counted per frame in steady state: the graph is built and started
/// before measuring, so the count is the graph's own (0 means none).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(10),
        maxIterations: 30)

    let chain = "sine freq=1000 rate=8000 ! gain gain=-1dB ! gain gain=-1dB ! gain gain=2dB ! pcmu-encoder ! pcmu-decoder ! null-sink"
    let graph = GraphBox(text: chain)

    Benchmark("graph-chain sine>gain×3>pcmu-enc>pcmu-dec>null-sink") { benchmark in
        let graph = graph.graph
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try graph.step())
        }
        benchmark.stopMeasurement()
    }

    let plain = PlainChain()

    // The two above run minutes apart on a noisy machine; this one alternates 1,000-frame blocks
    // of each within one sample, so drift and frequency changes hit both equally. It reports
    // graph time / plain time in per-mille (1050 = 5% overhead).
    Benchmark("graph-overhead graph/plain time, interleaved (per mille)",
              configuration: .init(metrics: [.custom("graph/plain ‰", polarity: .prefersSmaller, useScalingFactor: false)],
                                   warmupIterations: 2, scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 40)) { benchmark in
        let graph = graph.graph
        let clock = ContinuousClock()
        var graphTime = Duration.zero, plainTime = Duration.zero
        for round in 0..<10 {
            let plainFirst = round % 2 == 0
            for pass in 0..<2 {
                let start = clock.now
                if plainFirst == (pass == 0) {
                    for _ in 0..<1_000 { plain.frame() }
                    plainTime += clock.now - start
                } else {
                    for _ in 0..<1_000 { blackHole(try graph.step()) }
                    graphTime += clock.now - start
                }
            }
        }
        benchmark.measurement(.custom("graph/plain ‰", polarity: .prefersSmaller, useScalingFactor: false),
                              Int((graphTime / plainTime * 1000).rounded()))
    }

    Benchmark("plain-loop same work without the graph") { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            plain.frame()
        }
        benchmark.stopMeasurement()
        blackHole(plain.total)
    }
}

/// A started graph shared by the benchmark's samples (benchmarks run one at a time).
final class GraphBox: @unchecked Sendable {
    let graph: Graph

    init(text: String) {
        do {
            graph = try PipelineCompiler(registry: BuiltinPlugins.registry()).build(text)
            try graph.start()
        } catch {
            fatalError("benchmark pipeline does not build: \(error)")
        }
    }
}

/// The chain's work as a straight loop over the same kernels.
final class PlainChain: @unchecked Sendable {
    let frameSamples = 160
    // Like the nodes' per-frame state, the loop's state skips the runtime exclusivity check (one
    // thread touches it): with the check the loop paid ~125 instructions a frame that the graph
    // does not, and the ratio flattered the graph by ~8 per mille.
    @exclusivity(unchecked) var oscillator = SineOscillator(frequency: 1000, sampleRate: 8000, amplitude: 32767 * 0.696627)
    let gains: [Int64] = [-1.0, -1.0, 2.0].map { (dB: Double) in Int64((pow(10, dB / 20) * 65_536).rounded()) }
    let a = UnsafeMutablePointer<Int16>.allocate(capacity: 160)
    let b = UnsafeMutablePointer<Int16>.allocate(capacity: 160)
    let coded = UnsafeMutablePointer<UInt8>.allocate(capacity: 160)
    @exclusivity(unchecked) var total = 0

    @inline(never)
    func frame() {
        oscillator.render(into: a, count: frameSamples)
        Gain.apply(gains[0], a, into: b, count: frameSamples)
        Gain.apply(gains[1], b, into: a, count: frameSamples)
        Gain.apply(gains[2], a, into: b, count: frameSamples)
        G711.encodeMuLaw(b, into: coded, count: frameSamples)
        G711.decodeMuLaw(coded, into: a, count: frameSamples)
        total &+= Int(a[frameSamples - 1])
    }
}
