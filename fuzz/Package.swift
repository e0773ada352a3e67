// swift-tools-version: 6.1
//
// libFuzzer targets for the SIP, SDP, RTP and RTCP parsers. Build and run (see the README):
//   make fuzz                 # 1,000,000 executions of each target, seeded with the RFC corpora
import PackageDescription

let package = Package(
    name: "CallwireFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Callwire", path: "..")],
    targets: [
        .executableTarget(name: "FuzzSIPMessage", dependencies: [.product(name: "SIPCore", package: "Callwire")]),
        .executableTarget(name: "FuzzSIPURI", dependencies: [.product(name: "SIPCore", package: "Callwire")]),
        .executableTarget(name: "FuzzSDP", dependencies: [.product(name: "SDP", package: "Callwire")]),
        .executableTarget(name: "FuzzRTP", dependencies: [.product(name: "RTP", package: "Callwire")]),
    ]
)
