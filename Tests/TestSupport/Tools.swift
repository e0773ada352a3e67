import Foundation

/// The built `callwire` executable, beside the test bundle.
/// - Throws: ``NotReady`` when it is not built.
public func callwirePath() throws -> String {
    let bundle = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    let path = bundle.deletingLastPathComponent().appendingPathComponent("callwire").path
    guard FileManager.default.isExecutableFile(atPath: path) else { throw NotReady("callwire is not built at \(path)") }
    return path
}

/// A program from a Debian package, or a failure that says how to get it (tests never skip
/// themselves when a tool is missing: `make deps` installs every one).
public func tool(_ name: String, package: String) throws -> String {
    for directory in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/sbin", "/bin"] {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw NotReady("\(name) is not installed; run `make deps` (Debian package \(package))")
}
