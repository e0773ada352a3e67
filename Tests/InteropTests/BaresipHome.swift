import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A baresip home directory for one test: the config template with its placeholders filled,
/// one auto-answering account, and the ports it listens on (each confirmed free by the OS).
struct BaresipHome {
    let directory: URL
    let sipPort: Int
    let controlPort: Int

    /// Writes `config` and `accounts` into a fresh directory.
    /// - Parameters:
    ///   - source: the WAV file baresip plays (at exactly `sampleRate`: aufile does not resample).
    ///   - accountParameters: appended to the account line (`audio_codecs=…`, `mediaenc=…`).
    ///   - modules: modules to load besides the template's (`srtp.so`).
    ///   - extraConfig: lines appended to the config.
    ///   - directory: an existing folder to use instead of a new one named after `name`.
    init(name: String, directory: URL? = nil, source: String, sampleRate: Int = 8_000, accountParameters: String,
         modules: [String] = [], extraConfig: [String] = []) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        sipPort = try freePort(SOCK_DGRAM)
        controlPort = try freePort(SOCK_STREAM)
        let rtp = try freePortPair()
        let template = try String(contentsOf: interopDirectory().appendingPathComponent("baresip/config"), encoding: .utf8)
        var config = template.replacingOccurrences(of: "SIP_PORT", with: String(sipPort))
            .replacingOccurrences(of: "CTRL_PORT", with: String(controlPort))
            .replacingOccurrences(of: "RTP_PORTS", with: "\(rtp)-\(rtp + 1)")
            .replacingOccurrences(of: "SOURCE", with: source)
            .replacingOccurrences(of: "SRATE", with: String(sampleRate))
            .replacingOccurrences(of: "MODULE_PATH", with: try Self.modulePath())
            .replacingOccurrences(of: "DIR", with: self.directory.path)
        config += modules.map { "module\t\t\t\($0)\n" }.joined() + extraConfig.map { $0 + "\n" }.joined()
        try config.write(to: self.directory.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try "<sip:bare@127.0.0.1:\(sipPort)>;regint=0;answermode=auto;\(accountParameters)\n"
            .write(to: self.directory.appendingPathComponent("accounts"), atomically: true, encoding: .utf8)
    }

    /// Starts baresip on this home and waits until it is ready.
    func start() async throws -> PeerProcess {
        let baresip = try PeerProcess(try tool("baresip", package: "baresip"), ["-f", directory.path], directory: directory)
        try await baresip.waitFor("baresip is ready")
        return baresip
    }

    /// baresip's module folder: Debian puts it under the multiarch library directory
    /// (`dpkg-architecture -qDEB_HOST_MULTIARCH`) in newer releases and in /usr/lib/baresip in
    /// older ones; the folder holding g711.so wins.
    static func modulePath() throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try tool("dpkg-architecture", package: "dpkg-dev"))
        process.arguments = ["-qDEB_HOST_MULTIARCH"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let multiarch = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let candidates = ["/usr/lib/\(multiarch)/baresip/modules", "/usr/lib/baresip/modules"]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: "\($0)/g711.so") }) else {
            throw InteropFailure("baresip's modules are in none of \(candidates); run `make deps` (Debian package baresip)")
        }
        return found
    }

    /// baresip's recording of what it heard (sndfile's `…-dec.wav`).
    func decodedRecording() throws -> String {
        let name = try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix("-dec.wav") }
        guard let name else { throw InteropFailure("baresip wrote no -dec.wav in \(directory.path)") }
        return directory.appendingPathComponent(name).path
    }
}

/// A port the OS says is free now: bind port 0 on 127.0.0.1 and read back what it chose.
func freePort(_ type: __socket_type) throws -> Int {
    let descriptor = socket(AF_INET, Int32(type.rawValue), 0)
    guard descriptor >= 0 else { throw InteropFailure("socket() failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
        }
    }
    guard bound else { throw InteropFailure("cannot bind a port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// An even UDP port whose successor is free too (RTP and RTCP), as the OS reports them now.
func freePortPair() throws -> Int {
    for _ in 0..<50 {
        let port = try freePort(SOCK_DGRAM) & ~1
        if port >= 1_024, udpPortIsFree(port), udpPortIsFree(port + 1) { return port }
    }
    throw InteropFailure("no free even/odd UDP port pair on 127.0.0.1")
}

private func udpPortIsFree(_ port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
