import Benchmark
import CallwireBuiltins
import MediaCore
import PipelineLanguage
import RawSpeex

/// Each C-backed node against the same library calls in a plain loop, in one run.
///
/// One sample alternates blocks of 500 frames (10 s of audio) through the node's graph and
/// through the raw loop, ten times each, so machine noise hits both alike, and reports the
/// ratio node/raw in per-mille (1050 = 5% overhead) with the absolute cost of each per 20 ms
/// frame. The graph is `loop-source ! NODE ! null-sink`: the source replays a precomputed
/// signal (or precomputed packets for the decoder), as the raw loop reads the same buffers.
/// The call-shaped case chains a call's whole media path (48 kHz → 8 kHz → Speex NB encode →
/// decode → 48 kHz) against the sum of its raw calls.
let benchmarks: @Sendable () -> Void = {
    let ratio = BenchmarkMetric.custom("node/raw ‰", polarity: .prefersSmaller, useScalingFactor: false)
    let nodeCost = BenchmarkMetric.custom("node ns/frame", polarity: .prefersSmaller, useScalingFactor: false)
    let rawCost = BenchmarkMetric.custom("raw ns/frame", polarity: .prefersSmaller, useScalingFactor: false)
    let configuration = Benchmark.Configuration(metrics: [ratio, nodeCost, rawCost], warmupIterations: 1,
                                                scalingFactor: .one, maxDuration: .seconds(30), maxIterations: 12)

    let cases: [CodecCase] = [
        .speexEncoder(mode: .nb), .speexEncoder(mode: .wb), .speexDecoder(), .resample(from: 48_000, to: 8_000),
        .callPathNarrowband(),
        .opusEncoder(rate: 16_000), .opusEncoder(rate: 48_000), .opusDecoder(rate: 16_000), .opusDecoder(rate: 48_000),
        .g722Encoder(), .g722Decoder(), .gsmEncoder(), .gsmDecoder(),
    ]
    for codecCase in cases {
        Benchmark(codecCase.name, configuration: configuration) { benchmark in
            let clock = ContinuousClock()
            var nodeTime = Duration.zero, rawTime = Duration.zero
            let block = 500
            for round in 0..<10 {
                for pass in 0..<2 {
                    let start = clock.now
                    if (round % 2 == 0) == (pass == 0) {
                        for _ in 0..<block { codecCase.raw() }
                        rawTime += clock.now - start
                    } else {
                        for _ in 0..<block { blackHole(try codecCase.graph.step()) }
                        nodeTime += clock.now - start
                    }
                }
            }
            let frames = Double(10 * block)
            benchmark.measurement(ratio, Int((nodeTime / rawTime * 1000).rounded()))
            benchmark.measurement(nodeCost, Int((nodeTime / frames).nanoseconds))
            benchmark.measurement(rawCost, Int((rawTime / frames).nanoseconds))
        }
    }
}

extension Duration {
    var nanoseconds: Double { Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9 }
}
