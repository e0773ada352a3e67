import Crypto
import Foundation
import SIPCore
import TestSupport
import Testing

/// The RFC 4475 and RFC 5118 corpora in `Tests/Fixtures`.
enum Corpus {
    /// The RFC 4475 messages (a missing or empty corpus is one failing case).
    static let rfc4475 = FixtureCase.list { try entries("rfc4475") }
    /// The RFC 5118 messages.
    static let rfc5118 = FixtureCase.list { try entries("rfc5118") }

    struct Entry: Sendable, CustomTestStringConvertible {
        var folder: String
        var file: String
        var section: String
        var verdict: String
        var testDescription: String { "\(folder)/\(file) (§\(section), \(verdict))" }
    }

    static func bytes(_ folder: String, _ file: String) throws -> [UInt8] {
        try Fixtures.bytes("\(folder)/\(file)")
    }

    static func entries(_ folder: String) throws -> [Entry] {
        let text = String(decoding: try bytes(folder, "EXPECTED.tsv"), as: UTF8.self)
        return text.split(separator: "\n").dropFirst().map { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Entry(folder: folder, file: columns[0], section: columns[1], verdict: columns[2])
        }
    }

    static func checksums(_ folder: String) throws -> [(file: String, sha256: String)] {
        String(decoding: try bytes(folder, "SHA256SUMS"), as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            return (String(parts[1]), String(parts[0]))
        }
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Sets Content-Length to the real body length (for RFC 5118 messages whose printed lengths
    /// predate CRLF conversion; see the corpus README).
    static func fixingContentLength(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return bytes }
        let head = text[..<split.lowerBound]
        let body = text[split.upperBound...]
        let fixed = head.split(separator: "\r\n", omittingEmptySubsequences: false).map { line -> String in
            line.lowercased().hasPrefix("content-length:") ? "Content-Length: \(body.utf8.count)" : String(line)
        }.joined(separator: "\r\n")
        return Array((fixed + "\r\n\r\n" + body).utf8)
    }
}

/// What our parser made of a message.
enum Outcome {
    case accepted(SIPMessage, CoreHeaders)
    case rejected(SIPParseError)

    init(_ bytes: [UInt8]) {
        do {
            let message = try SIPMessage(datagram: bytes)
            self = .accepted(message, try message.validate())
        } catch {
            self = .rejected(error)
        }
    }

    var message: SIPMessage? {
        if case .accepted(let message, _) = self { return message }
        return nil
    }

    var core: CoreHeaders? {
        if case .accepted(_, let core) = self { return core }
        return nil
    }

    var error: SIPParseError? {
        if case .rejected(let error) = self { return error }
        return nil
    }
}
