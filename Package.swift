// swift-tools-version: 6.1
//
// The package layout is the architecture (DESIGN.md §1). Each target lists only what it may
// import, so the compiler enforces the layering:
//
//   SIPCore (messages, URIs, digest auth)      — pure values, no sockets, no media
//
//   DSP (FFT, Goertzel, filters: pure Swift, no dependencies)
//   MediaCore ◀── PipelineLanguage ◀── MediaTesting
//       ▲               ▲
//   Plugins/*           │          (processors import MediaCore + their C shim only)
//       ▲               │
//   CallwireBuiltins ◀── CallwireCLI ◀── callwire (executable, thin)
//
// SIP modules (added by later work) never import media modules; Endpoint is the only glue.
import PackageDescription

/// Swift settings shared by every target: Swift 6 language mode is the default for tools 6.1,
/// and we keep upcoming-feature flags explicit so the code reads the same on every toolchain.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Callwire",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "callwire", targets: ["callwire"]),
        .executable(name: "sip-agent", targets: ["sip-agent"]),
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPTransaction", targets: ["SIPTransaction"]),
        .library(name: "SIPTransport", targets: ["SIPTransport"]),
        .library(name: "SIPDialog", targets: ["SIPDialog"]),
        .library(name: "SIPResolver", targets: ["SIPResolver"]),
        .library(name: "SDP", targets: ["SDP"]),
        .library(name: "RTP", targets: ["RTP"]),
        .library(name: "RTPNodes", targets: ["RTPNodes"]),
        .library(name: "RTPSession", targets: ["RTPSession"]),
        .library(name: "SRTP", targets: ["SRTP"]),
        .library(name: "CallMedia", targets: ["CallMedia"]),
        .library(name: "Endpoint", targets: ["Endpoint"]),
        .library(name: "EndpointTesting", targets: ["EndpointTesting"]),
        .library(name: "Registrar", targets: ["Registrar"]),
        .library(name: "CallwireMetrics", targets: ["CallwireMetrics"]),
        .library(name: "MediaCore", targets: ["MediaCore"]),
        .library(name: "PipelineLanguage", targets: ["PipelineLanguage"]),
        .library(name: "MediaTesting", targets: ["MediaTesting"]),
        .library(name: "DSP", targets: ["DSP"]),
        .library(name: "CallwireCLI", targets: ["CallwireCLI"]),
        .library(name: "CallwireBuiltins", targets: ["CallwireBuiltins"]),
        .library(name: "G711", targets: ["G711"]),
        .library(name: "Opus", targets: ["Opus"]),
        .library(name: "G722", targets: ["G722"]),
        .library(name: "GSM", targets: ["GSM"]),
        .library(name: "SoundFile", targets: ["SoundFile"]),
        .library(name: "Generators", targets: ["Generators"]),
        .library(name: "BasicElements", targets: ["BasicElements"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: SIP (pure values; never imports media modules)
        .target(name: "SIPCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),

        .target(name: "SIPTransaction", dependencies: ["SIPCore"], swiftSettings: strict),
        .target(name: "CCAres", linkerSettings: [.linkedLibrary("cares")]),
        .target(name: "SIPResolver", dependencies: ["SIPCore", "SIPTransport", "CCAres"], swiftSettings: strict),
        .target(name: "SIPDialog",
                dependencies: ["SIPCore", "SIPTransaction", "SIPTransport", .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio")],
                swiftSettings: strict),
        .target(name: "SIPTransport",
                dependencies: ["SIPCore", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOTLS", package: "swift-nio")],
                swiftSettings: strict),

        // MARK: Session descriptions (pure values, shared by SIP and media)
        .target(name: "SDP", swiftSettings: strict),
        // MARK: RTP and RTCP (pure values and state machines; sockets live in RTPSession)
        .target(name: "RTP", swiftSettings: strict),
        // MARK: Media security: SRTP (libsrtp) and DTLS-SRTP (OpenSSL), no sockets
        .systemLibrary(name: "CSRTP", path: "Sources/CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .target(name: "CDTLS", path: "Sources/CDTLS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .target(name: "SRTP", dependencies: ["CSRTP", "CDTLS"], swiftSettings: strict),
        .target(name: "RTPSession",
                dependencies: ["RTP", "SRTP", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                swiftSettings: strict),

        // MARK: Media core (pure Swift, no I/O beyond the real-time clock thread)
        .target(name: "MediaCore", swiftSettings: strict),
        .target(name: "DSP", swiftSettings: strict),
        .target(name: "PipelineLanguage", dependencies: ["MediaCore"], swiftSettings: strict),
        .target(name: "MediaTesting", dependencies: ["MediaCore", "PipelineLanguage", "DSP"], swiftSettings: strict),

        // MARK: Plugins: one processor family per folder, C libraries behind system-library targets
        .systemLibrary(name: "CSndFile", path: "Plugins/CSndFile", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .target(name: "SoundFile", dependencies: ["MediaCore", "CSndFile"], path: "Plugins/SoundFile",
                swiftSettings: strict),
        .target(name: "G711", dependencies: ["MediaCore"], path: "Plugins/G711", swiftSettings: strict),
        .systemLibrary(name: "CSpeex", path: "Plugins/CSpeex", pkgConfig: "speex", providers: [.apt(["libspeex-dev"])]),
        .target(name: "Speex", dependencies: ["MediaCore", "CSpeex"], path: "Plugins/Speex", swiftSettings: strict),
        .systemLibrary(name: "CSpeexDSP", path: "Plugins/CSpeexDSP", pkgConfig: "speexdsp",
                       providers: [.apt(["libspeexdsp-dev"])]),
        .target(name: "SpeexDSP", dependencies: ["MediaCore", "CSpeexDSP"], path: "Plugins/SpeexDSP", swiftSettings: strict),
        .systemLibrary(name: "COpus", path: "Plugins/COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .target(name: "Opus", dependencies: ["MediaCore", "COpus"], path: "Plugins/Opus", swiftSettings: strict),
        .systemLibrary(name: "CG722", path: "Plugins/CG722", pkgConfig: "spandsp", providers: [.apt(["libspandsp-dev"])]),
        .target(name: "G722", dependencies: ["MediaCore", "CG722"], path: "Plugins/G722", swiftSettings: strict),
        .systemLibrary(name: "CGSM", path: "Plugins/CGSM", providers: [.apt(["libgsm1-dev"])]),
        .target(name: "GSM", dependencies: ["MediaCore", "CGSM"], path: "Plugins/GSM", swiftSettings: strict),
        .target(name: "Analysis", dependencies: ["MediaCore", "DSP"], path: "Plugins/Analysis", swiftSettings: strict),
        .target(name: "DTMF", dependencies: ["MediaCore", "DSP"], path: "Plugins/DTMF", swiftSettings: strict),
        .target(name: "CALSA", path: "Plugins/CALSA", linkerSettings: [.linkedLibrary("asound")]),
        .target(name: "CFlite", path: "Plugins/CFlite",
                linkerSettings: ["flite_cmu_us_slt", "flite_cmu_us_kal", "flite_cmu_us_kal16", "flite_cmu_us_rms",
                                 "flite_cmu_us_awb", "flite_usenglish", "flite_cmulex", "flite", "m"].map { .linkedLibrary($0) }),
        .target(name: "Flite", dependencies: ["MediaCore", "CFlite"], path: "Plugins/Flite", swiftSettings: strict),
        .systemLibrary(name: "CPocketSphinx", path: "Plugins/CPocketSphinx", pkgConfig: "pocketsphinx",
                       providers: [.apt(["libpocketsphinx-dev", "libsphinxbase-dev", "pocketsphinx-en-us"])]),
        .target(name: "Recognizer", dependencies: ["MediaCore", "DSP", "CPocketSphinx"], path: "Plugins/Recognizer",
                swiftSettings: strict),
        .target(name: "RTPNodes", dependencies: ["MediaCore", "RTP"], path: "Plugins/RTPNodes", swiftSettings: strict),
        .target(name: "ALSA", dependencies: ["MediaCore", "CALSA"], path: "Plugins/ALSA", swiftSettings: strict),
        .target(name: "Generators", dependencies: ["MediaCore"], path: "Plugins/Generators",
                swiftSettings: strict),
        .target(name: "BasicElements", dependencies: ["MediaCore"], path: "Plugins/BasicElements",
                swiftSettings: strict),

        // MARK: Glue between a call's SDP and its graph (DESIGN.md §4)
        .target(name: "CallMedia", dependencies: ["MediaCore", "PipelineLanguage", "SDP", "RTP", "RTPNodes",
                                                .product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: strict),

        // MARK: The endpoint: the only module that imports both SIP and media (DESIGN.md §1)
        .target(name: "Endpoint",
                dependencies: ["SIPCore", "SIPTransport", "SIPTransaction", "SIPDialog", "SIPResolver", "SDP", "RTP", "RTPSession", "SRTP",
                               "CallMedia", "MediaCore", .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio")],
                swiftSettings: strict),

        .target(name: "EndpointTesting",
                dependencies: ["Endpoint", "MediaCore", "CallMedia", "RTPSession", "SIPTransport", "SIPDialog",
                               .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")],
                swiftSettings: strict),

        // MARK: Prometheus metrics (text exposition and an HTTP listener; shared by the server and load tools).
        // Not named Metrics: swift-metrics (through postgres-nio) has a target of that name.
        .target(name: "CallwireMetrics",
                dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio")],
                swiftSettings: strict),

        // MARK: The included server: registrar and stateful proxy (SIP layers only)
        .target(name: "Registrar",
                dependencies: ["SIPCore", "SIPTransport", "SIPTransaction", "SIPDialog", .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                               .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
                swiftSettings: strict),

        // MARK: Command line
        .target(name: "CallwireBuiltins",
                dependencies: ["MediaCore", "G711", "SoundFile", "Generators", "BasicElements", "Speex", "SpeexDSP",
                               "Opus", "G722", "GSM", "Analysis", "DTMF", "ALSA", "Flite", "Recognizer", "RTPNodes"],
                swiftSettings: strict),
        .target(name: "CallwireCLI",
                dependencies: ["MediaCore", "PipelineLanguage", "Endpoint", "Registrar", "CallwireMetrics", "SIPCore", "SIPTransport", "SIPDialog", "SDP",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: strict),
        .executableTarget(name: "callwire", dependencies: ["CallwireCLI", "CallwireBuiltins"],
                          swiftSettings: strict),
        .executableTarget(name: "sip-agent",
                          dependencies: ["SIPDialog", "SIPTransport", "SIPCore", .product(name: "NIOPosix", package: "swift-nio"),
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict),

        // MARK: Tests (Swift Testing), one target per module
        // What every test target shares: fixtures in Tests/Fixtures, free ports, readiness waits.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "SIPCoreTests",
                    dependencies: ["TestSupport", "SIPCore", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(name: "SIPTransactionTests", dependencies: ["SIPTransaction", "SIPCore"], swiftSettings: strict),
        .testTarget(name: "SIPDialogTests",
                    dependencies: ["TestSupport", "SIPDialog", "SIPTransport", "SIPTransaction", "SIPCore", "SIPResolver", "sip-agent",
                                   .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
                    swiftSettings: strict),
        .testTarget(name: "SRTPTests", dependencies: ["TestSupport", "SRTP", "CSRTP"], swiftSettings: strict),
        .testTarget(name: "SDPTests", dependencies: ["TestSupport", "SDP"], swiftSettings: strict),
        .testTarget(name: "RTPTests", dependencies: ["RTP"], swiftSettings: strict),
        .testTarget(name: "RTPSessionTests",
                    dependencies: ["TestSupport", "RTPSession", "RTP", "SRTP", .product(name: "NIOCore", package: "swift-nio"),
                                   .product(name: "NIOEmbedded", package: "swift-nio"),
                                   .product(name: "NIOPosix", package: "swift-nio")],
                    swiftSettings: strict),
        .testTarget(name: "CaptureTests", dependencies: ["TestSupport", "SIPCore", "SDP", "RTP", "G711"], swiftSettings: strict),
        .testTarget(name: "MediaCoreTests", dependencies: ["MediaCore", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "PipelineLanguageTests",
                    dependencies: ["PipelineLanguage", "MediaTesting", "CallwireBuiltins"], swiftSettings: strict),
        .testTarget(name: "MediaTestingTests", dependencies: ["MediaTesting"], swiftSettings: strict),
        .testTarget(name: "G711Tests", dependencies: ["G711", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "GeneratorsTests", dependencies: ["Generators", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "BasicElementsTests", dependencies: ["BasicElements", "Generators", "MediaTesting", "PipelineLanguage"],
                    swiftSettings: strict),
        .testTarget(name: "SpeexTests", dependencies: ["Speex", "SpeexDSP", "SoundFile", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "OpusTests",
                    dependencies: ["Opus", "SpeexDSP", "RTPNodes", "MediaTesting", "PipelineLanguage"], swiftSettings: strict),
        .testTarget(name: "G722Tests",
                    dependencies: ["G722", "CG722", "SpeexDSP", "RTPNodes", "RTP", "MediaTesting", "PipelineLanguage"],
                    swiftSettings: strict),
        .testTarget(name: "GSMTests", dependencies: ["GSM", "CGSM", "SpeexDSP", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "SpeexDSPTests", dependencies: ["SpeexDSP", "Generators", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "SoundFile", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "DTMFTests", dependencies: ["DTMF", "G711", "MediaTesting", "PipelineLanguage"], swiftSettings: strict),
        .testTarget(name: "ALSATests", dependencies: ["ALSA", "Generators", "MediaTesting", "PipelineLanguage"],
                    swiftSettings: strict),
        .testTarget(name: "FliteTests", dependencies: ["Flite", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "RecognizerTests",
                    dependencies: ["Recognizer", "Flite", "Speex", "SpeexDSP", "G711", "Opus", "G722", "GSM", "BasicElements",
                                   "MediaTesting"],
                    swiftSettings: strict),
        .testTarget(name: "RTPNodesTests",
                    dependencies: ["RTPNodes", "RTP", "G711", "Speex", "SpeexDSP", "SoundFile", "Generators", "BasicElements",
                                   "MediaTesting", "PipelineLanguage"],
                    swiftSettings: strict),
        .testTarget(name: "CallMediaTests",
                    dependencies: ["CallMedia", "CallwireBuiltins", "RTPSession", "SDP", "MediaTesting",
                                   .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")],
                    swiftSettings: strict),
        .testTarget(name: "DSPTests", dependencies: ["DSP", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "SoundFileTests", dependencies: ["SoundFile", "Generators", "MediaTesting"], swiftSettings: strict),
        .testTarget(name: "EndpointTests",
                    dependencies: ["TestSupport", "Registrar", "SIPDialog", "SIPTransport", "Endpoint", "EndpointTesting", "CallwireCLI", "CallwireBuiltins", "CallMedia", "MediaCore", "MediaTesting", "SIPCore",
                                   "SoundFile"],
                    swiftSettings: strict),
        .testTarget(name: "CallwireMetricsTests", dependencies: ["TestSupport", "CallwireMetrics", .product(name: "NIOPosix", package: "swift-nio")], swiftSettings: strict),
        .testTarget(name: "RegistrarTests",
                    dependencies: ["TestSupport", "Registrar", "Endpoint", "EndpointTesting", "CallwireCLI", "CallwireBuiltins", "MediaTesting", "SIPCore",
                                   "SIPDialog", "callwire", "SIPTransport", .product(name: "NIOPosix", package: "swift-nio"),
                                   .product(name: "NIOEmbedded", package: "swift-nio")],
                    exclude: ["sipp"], swiftSettings: strict),
        .testTarget(name: "InteropTests", dependencies: ["TestSupport", "callwire"], exclude: ["kamailio", "baresip"], swiftSettings: strict),
        .testTarget(name: "CallwireCLITests",
                    dependencies: ["TestSupport", "CallwireCLI", "CallwireBuiltins", "Endpoint", "MediaTesting", "SoundFile", "G711", "callwire", "sip-agent"],
                    exclude: ["sipp"], swiftSettings: strict),
    ]
)
