import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Callwire and baresip (Debian `baresip`: PCMU/PCMA, no Speex) call each other on 127.0.0.1.
/// Speech is checked by recognizing it (pocketsphinx), DTMF by what each side reports.
@Suite("Interop with baresip", .serialized)
struct BaresipTests {
    static let sentence = "please leave a message after the tone"

    /// A baresip home: config from the template, an auto-answering account, and its audio source.
    func makeBaresip(source: String, directory: URL) throws -> (home: BaresipHome, process: PeerProcess) {
        let home = try BaresipHome(name: "baresip", directory: directory, source: source, accountParameters: "audio_codecs=PCMU,PCMA")
        return (home, try PeerProcess(try tool("baresip", package: "baresip"), ["-f", directory.path], directory: directory))
    }

    /// The same, on ports the caller chose (the hold tests' shape).
    func makeBaresip(source: String, directory: URL, sipPort: Int, controlPort: Int) throws -> PeerProcess {
        _ = try BaresipHome(name: "baresip", directory: directory, source: source, accountParameters: "audio_codecs=PCMU,PCMA",
                            sipPort: sipPort, controlPort: controlPort)
        return try PeerProcess(try tool("baresip", package: "baresip"), ["-f", directory.path], directory: directory)
    }

    func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("Callwire calls an auto-answering baresip that plays a flite sentence; --recognize prints it")
    func recognizesBaresipPrompt() async throws {
        let directory = try scratch("baresip-prompt")
        let wide = directory.appendingPathComponent("prompt16.wav").path, prompt = directory.appendingPathComponent("prompt.wav").path
        #expect(try runTool("flite", package: "flite", ["-voice", "rms", "-t", Self.sentence, "-o", wide]) == 0)
        #expect(try runTool("sox", package: "sox", [wide, "-r", "8000", "-c", "1", "-b", "16", prompt, "pad", "0.5", "3"]) == 0)
        let (home, baresip) = try makeBaresip(source: prompt, directory: directory)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        try await baresip.waitFor("baresip is ready")
        let callwire = try PeerProcess(try callwirePath(), ["--to=sip:bare@127.0.0.1:\(home.sipPort)", "--no-audio", "--recognize",
                                                            "--duration=9", "--int-ip=127.0.0.1", "--port=0"])
        callwire.endInput()
        #expect(await callwire.finish(timeout: .seconds(30)) == 0, "\(callwire.text)")
        #expect(callwire.text.contains("media: PCMU/8000"))
        #expect(callwire.text.contains("\n" + Self.sentence + "\n"), "recognized: \(callwire.text)")
    }

    @Test("baresip calls `callwire --listen --textspeech`: typed text reaches baresip's recording as speech; DTMF both ways")
    func baresipCallsCallwire() async throws {
        let directory = try scratch("baresip-listen")
        let silence = directory.appendingPathComponent("silence.wav").path
        #expect(try runTool("sox", package: "sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", silence, "trim", "0", "40"]) == 0)
        let port = FreePort.next([.udp, .tcp])
        let callwire = try PeerProcess(try callwirePath(), ["--listen", "--textspeech", "--no-audio", "--auto-respond-after=0.2",
                                                            "--int-ip=127.0.0.1", "--port=\(port)"])
        defer { kill(callwire.process.processIdentifier, SIGKILL) }
        let (home, baresip) = try makeBaresip(source: silence, directory: directory)
        defer { kill(baresip.process.processIdentifier, SIGKILL) }
        try await baresip.waitFor("baresip is ready")
        try await Readiness.waitUntilListening(port: home.controlPort, tcp: true)
        let control = try ControlConnection(port: home.controlPort)
        try control.send(command: "dial", params: "sip:alice@127.0.0.1:\(port)")
        do {
            try await callwire.waitFor("media: PCMU/8000")
        } catch {
            Issue.record("baresip said:\n\(baresip.text.suffix(2_000))")
            throw error
        }
        try await Task.sleep(for: .seconds(1))

        callwire.type("1234567890*#")
        var keys: [String] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while keys.count < 12 && ContinuousClock.now < deadline {
            keys += control.events().filter { $0["type"] as? String == "CALL_DTMF_START" }.compactMap { $0["param"] as? String }
        }
        #expect(keys.joined() == "1234567890*#", "baresip reported \(keys)")

        callwire.type(Self.sentence)
        try await Task.sleep(for: .seconds(5))
        try control.send(command: "sndcode", params: "4")
        try await Task.sleep(for: .milliseconds(600))
        try control.send(command: "sndcode", params: "2")
        try await callwire.waitFor("received DTMF digit 2")
        #expect(callwire.text.contains("received DTMF digit 4"))
        try control.send(command: "hangup", params: "")
        try await callwire.waitFor("call closed by remote party")

        let recording = try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix("-dec.wav") }
        let path = directory.appendingPathComponent(try #require(recording, "baresip's sndfile recording")).path
        let recognized = try PeerProcess(try callwirePath(), ["pipeline", "run", "wav-player path=\"\(path)\" ! recognizer"])
        #expect(await recognized.finish(timeout: .seconds(60)) == 0)
        #expect(recognized.text.contains("recognized \"\(Self.sentence)\""), "\(recognized.text)")
    }
}

/// Runs a Debian tool to completion.
func runTool(_ name: String, package: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try tool(name, package: package))
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// baresip's `ctrl_tcp` control: netstring-framed JSON commands out, events and responses in.
final class ControlConnection {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw InteropFailure("cannot connect to baresip's ctrl_tcp on port \(port)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func send(command: String, params: String) throws {
        let body = try JSONSerialization.data(withJSONObject: ["command": command, "params": params, "token": "t"])
        let frame = Array("\(body.count):".utf8) + Array(body) + Array(",".utf8)
        guard frame.withUnsafeBytes({ Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }) == frame.count else {
            throw InteropFailure("ctrl_tcp send failed")
        }
    }

    /// The JSON objects that arrived within a read timeout.
    func events() -> [[String: Any]] {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(descriptor, &chunk, chunk.count, 0)
        if count > 0 { buffer += chunk[0..<count] }
        var objects: [[String: Any]] = []
        while let colon = buffer.firstIndex(of: UInt8(ascii: ":")),
              let length = Int(String(decoding: buffer[..<colon], as: UTF8.self)),
              buffer.count >= colon + 1 + length + 1 {
            let body = Data(buffer[(colon + 1)..<(colon + 1 + length)])
            buffer.removeFirst(colon + 1 + length + 1)
            if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] { objects.append(object) }
        }
        return objects
    }
}
