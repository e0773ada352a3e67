import Endpoint
import Foundation
import Registrar
import SIPCore
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// 10,000 broken datagrams at the server: the RFC 4475 invalid messages, truncations and bit
/// flips of the whole corpus. It answers 400 where it can, keeps running, stays small, and
/// still routes a call afterwards.
@Suite("Server under malformed traffic", .serialized, .timeLimit(.minutes(3)))
struct MalformedFloodTests {
    static let corpus = Fixtures.url("rfc4475")

    /// The datagrams: every invalid message as is, then seeded truncations and bit flips.
    static func datagrams(count: Int) throws -> [[UInt8]] {
        let table = try String(contentsOf: corpus.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)
        var all: [[UInt8]] = [], invalid: [[UInt8]] = []
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t")
            guard fields.count >= 3, let data = FileManager.default.contents(atPath: corpus.appendingPathComponent(String(fields[0])).path)
            else { continue }
            all.append(Array(data))
            if fields[2] == "invalid" { invalid.append(Array(data)) }
        }
        guard !all.isEmpty, !invalid.isEmpty else { throw ServerTestFailure("no RFC 4475 corpus at \(corpus.path)") }
        var generator = SplitMix(seed: 4475)
        var result = invalid
        while result.count < count {
            var message = all[Int(generator.next() % UInt64(all.count))]
            if generator.next() % 2 == 0 {
                message = Array(message.prefix(Int(generator.next() % UInt64(message.count))))
            } else {
                for _ in 0..<(1 + generator.next() % 8) {
                    let index = Int(generator.next() % UInt64(message.count))
                    message[index] ^= UInt8(1 << (generator.next() % 8))
                }
            }
            if !message.isEmpty && message.count < 4_000 { result.append(message) }
        }
        return result
    }

    @Test("10,000 malformed datagrams: 400s where possible, no crash, bounded memory, and a call routes afterwards")
    func flood() async throws {
        let server = try await TestServer()
        let packets = try Self.datagrams(count: 10_000)
        #expect(packets.count == 10_000)
        let before = residentBytes()
        let socket = try UDPClient(port: server.port)
        var responses: [String] = []
        for (index, packet) in packets.enumerated() {
            socket.send(packet)
            if index % 50 == 49 {
                try await Task.sleep(for: .milliseconds(5))
                responses += socket.drain()
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        responses += socket.drain()
        let badRequests = responses.filter { $0.hasPrefix("SIP/2.0 400") }.count
        print("flood: \(badRequests) answered 400, \(responses.count) responses in all")
        #expect(badRequests > 100, "answered \(badRequests) with 400 (of \(responses.count) responses)")
        let growth = residentBytes() - before
        #expect(growth < 64 << 20, "resident memory grew by \(growth >> 20) MiB")

        let alice = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = server.domain
        }
        await alice.caller.start()
        try await alice.expect("registered", isRegistered)
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse("sip:alice@\(server.domain)")
            $0.duration = 0.5
        }
        await bob.caller.start()
        #expect(await bob.finished() == 0, "\(bob.events)")
        await alice.close()
        await server.close()
    }
}

/// A deterministic generator (SplitMix64), so the flood is the same every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// This process's resident memory.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// A UDP socket on 127.0.0.1 that sends to one port and reads what comes back.
final class UDPClient {
    let descriptor: Int32
    var target = sockaddr_in()

    /// A socket sending to 127.0.0.1:`port`, from `source` (another loopback address) if given.
    init(port: Int, source: String? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerTestFailure("no socket") }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard bound else { throw ServerTestFailure("cannot bind a UDP socket to \(source)") }
        }
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(port).bigEndian)
        target.sin_addr.s_addr = inet_addr("127.0.0.1")
    }

    func send(_ bytes: [UInt8]) {
        _ = withUnsafePointer(to: &target) { address in
            address.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddress in
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, sockaddress, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    func drain() -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 0 else { return out }
            out.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }

    deinit { close(descriptor) }
}
