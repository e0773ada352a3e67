import SIPCore
import Testing

/// Malformed input must produce errors, never crashes: every torture message truncated at
/// every length and with bits flipped (a deterministic generator, so failures repeat).
@Suite("Robustness against mutated input")
struct RobustnessTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    func exercise(_ bytes: [UInt8]) {
        if let message = try? SIPMessage(datagram: bytes) {
            _ = try? message.validate()
            _ = try? message.contacts
            _ = try? message.routes
            _ = try? message.wwwAuthenticate
            _ = message.serialized()
        }
        var stream = SIPStreamParser()
        stream.append(bytes)
        _ = try? stream.next()
    }

    @Test("truncations and bit flips of every corpus message")
    func mutations() throws {
        var generator = Generator(state: 0x5EED_CA11_0000_0001)
        var runs = 0
        for entry in try Corpus.entries("rfc4475") + Corpus.entries("rfc5118") {
            let bytes = try Corpus.bytes(entry.folder, entry.file)
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 64)) {
                exercise(Array(bytes[..<cut]))
                runs += 1
            }
            for _ in 0..<64 {
                var mutated = bytes
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let index = Int(generator.next() % UInt64(mutated.count))
                    mutated[index] ^= UInt8(1 << (generator.next() % 8))
                }
                exercise(mutated)
                runs += 1
            }
        }
        #expect(runs > 6000)
    }
}
