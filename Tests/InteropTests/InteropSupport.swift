import Foundation
import TestSupport
import Synchronization
import Testing

struct InteropFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Kamailio's module folder, from the package's own file list (its multiarch path differs by
/// architecture: `/usr/lib/x86_64-linux-gnu/kamailio/modules/` on amd64).
func kamailioModules() throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try tool("dpkg", package: "dpkg"))
    process.arguments = ["-L", "kamailio"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let listing = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard let tm = listing.split(separator: "\n").first(where: { $0.hasSuffix("/kamailio/modules/tm.so") }) else {
        throw InteropFailure("kamailio's module folder was not found in `dpkg -L kamailio`; run `make deps`")
    }
    return String(tm.dropLast("tm.so".count))
}

/// This file's folder (the configurations live beside it).
func interopDirectory(_ file: String = #filePath) -> URL { URL(fileURLWithPath: file).deletingLastPathComponent() }
