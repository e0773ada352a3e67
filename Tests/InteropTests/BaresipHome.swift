import Foundation
import TestSupport

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
    ///   - sipPort, controlPort: ports the caller chose (else free ones from the OS).
    init(name: String, directory: URL? = nil, source: String, sampleRate: Int = 8_000, accountParameters: String,
         modules: [String] = [], extraConfig: [String] = [], sipPort: Int? = nil, controlPort: Int? = nil) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        self.sipPort = sipPort ?? FreePort.next(.udp)
        self.controlPort = controlPort ?? FreePort.next(.tcp)
        let rtp = FreePort.next(pair: true, count: 40)
        let template = try String(contentsOf: interopDirectory().appendingPathComponent("baresip/config"), encoding: .utf8)
        var config = template.replacingOccurrences(of: "SIP_PORT", with: String(self.sipPort))
            .replacingOccurrences(of: "CTRL_PORT", with: String(self.controlPort))
            .replacingOccurrences(of: "RTP_PORTS", with: "\(rtp)-\(rtp + 40)")
            .replacingOccurrences(of: "SOURCE", with: source)
            .replacingOccurrences(of: "SRATE", with: String(sampleRate))
            .replacingOccurrences(of: "MODULE_PATH", with: try Self.modulePath())
            .replacingOccurrences(of: "DIR", with: self.directory.path)
        config += modules.map { "module\t\t\t\($0)\n" }.joined() + extraConfig.map { $0 + "\n" }.joined()
        try config.write(to: self.directory.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try "<sip:bare@127.0.0.1:\(self.sipPort)>;regint=0;answermode=auto;\(accountParameters)\n"
            .write(to: self.directory.appendingPathComponent("accounts"), atomically: true, encoding: .utf8)
    }

    /// Starts baresip on this home and waits until it is ready.
    func start() async throws -> PeerProcess {
        let baresip = try PeerProcess(try tool("baresip", package: "baresip"), ["-f", directory.path], directory: directory)
        try await baresip.waitFor("baresip is ready")
        try await Readiness.waitUntilListening(port: controlPort, tcp: true)
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
