// swift-tools-version: 6.1
//
// How to add a processor to Callwire without forking it: depend on its library products,
// define a node type, and run the same command line with the built-in plugins plus yours.
import PackageDescription

let package = Package(
    name: "custom-processor",
    platforms: [.macOS(.v15)],
    dependencies: [
        // In your own package: .package(url: "https://…/callwire", from: "0.1.0")
        .package(name: "Callwire", path: "../.."),
    ],
    targets: [
        .target(name: "RingModulator", dependencies: [.product(name: "MediaCore", package: "Callwire")]),
        .executableTarget(name: "custom-callwire", dependencies: [
            "RingModulator",
            .product(name: "CallwireCLI", package: "Callwire"),
            .product(name: "CallwireBuiltins", package: "Callwire"),
        ]),
        .testTarget(name: "RingModulatorTests", dependencies: [
            "RingModulator",
            .product(name: "MediaTesting", package: "Callwire"),
            .product(name: "Generators", package: "Callwire"),
        ]),
    ]
)
