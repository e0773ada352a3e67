// swift-tools-version: 6.1
//
// Benchmarks live in their own package (as in swift-nio) so package-benchmark and its
// dependencies never slow down the main build. Run: `make bench`, or
//   swift package --package-path benchmarks benchmark
import PackageDescription

let package = Package(
    name: "CallwireBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Callwire", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MediaGraph",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "MediaCore", package: "Callwire"),
                .product(name: "PipelineLanguage", package: "Callwire"),
                .product(name: "CallwireBuiltins", package: "Callwire"),
                .product(name: "G711", package: "Callwire"),
                .product(name: "Generators", package: "Callwire"),
                .product(name: "BasicElements", package: "Callwire"),
            ],
            path: "Benchmarks/MediaGraph",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
        .executableTarget(
            name: "SIPParsing",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SIPCore", package: "Callwire"),
                "OSIPReference",
            ],
            path: "Benchmarks/SIPParsing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
        .executableTarget(
            name: "CodecPaths",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "MediaCore", package: "Callwire"),
                .product(name: "PipelineLanguage", package: "Callwire"),
                .product(name: "CallwireBuiltins", package: "Callwire"),
                "RawSpeex",
                "RawCodecs",
            ],
            path: "Benchmarks/CodecPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
        .executableTarget(
            name: "RTPPackets",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "MediaCore", package: "Callwire"),
                .product(name: "RTP", package: "Callwire"),
                .product(name: "RTPNodes", package: "Callwire"),
            ],
            path: "Benchmarks/RTPPackets",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
        .executableTarget(
            name: "SRTPPackets",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SRTP", package: "Callwire"),
            ],
            path: "Benchmarks/SRTPPackets",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
        // libspeex and libspeexdsp called directly: the baseline for the C-backed nodes.
        .systemLibrary(name: "RawSpeex", path: "Benchmarks/RawSpeex"),
        // libopus, spandsp (G.722) and libgsm called directly, for the Opus, G.722 and GSM nodes.
        .systemLibrary(name: "RawCodecs", path: "Benchmarks/RawCodecs"),
        // libosip2 (Debian libosip2-dev) parsing the same bytes, measured in the same run.
        .target(
            name: "OSIPReference",
            path: "Benchmarks/OSIPReference",
            linkerSettings: [.linkedLibrary("osipparser2"), .linkedLibrary("osip2")]),
    ]
)
