/// A `400 Bad Request` for a request too broken to parse or validate, built from its text
/// (RFC 3261 §8.2.6: a response copies Via, From, To, Call-ID and CSeq; §16.3 step 1 for a
/// proxy). When those headers cannot be found there is no one to answer, and nil is returned.
public enum BadRequest {
    /// The response's bytes, or nil when `bytes` is not a request or lacks the headers a
    /// response needs.
    /// - Parameter reason: the reason phrase (one line, no CR/LF).
    public static func response(to bytes: [UInt8], reason: String = "Bad Request") -> [UInt8]? {
        let text = String(decoding: bytes.prefix(65_536), as: UTF8.self)
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { String($0) }
        // The request line: METHOD SP Request-URI SP SIP/2.0
        guard let first = lines.first, first.hasSuffix("SIP/2.0"), !first.hasPrefix("SIP/"),
              first.split(separator: " ").count == 3 else { return nil }
        lines.removeFirst()
        var unfolded: [String] = []
        for line in lines {
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t", !unfolded.isEmpty {
                unfolded[unfolded.count - 1] += " " + line.trimmingWhitespace
            } else {
                unfolded.append(line)
            }
        }
        let wanted: [String: String] = ["via": "Via", "v": "Via", "from": "From", "f": "From", "to": "To", "t": "To",
                                        "call-id": "Call-ID", "i": "Call-ID", "cseq": "CSeq"]
        var copied: [(String, String)] = []
        for line in unfolded {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingWhitespace.lowercased()
            guard let canonical = wanted[name] else { continue }
            let value = line[line.index(after: colon)...].trimmingWhitespace
            guard !value.isEmpty, value.allSatisfy({ $0 != "\r" && $0 != "\0" }) else { continue }
            copied.append((canonical, value))
        }
        let names = Set(copied.map(\.0))
        guard names == ["Via", "From", "To", "Call-ID", "CSeq"] else { return nil }
        var response = "SIP/2.0 400 \(reason.filter { $0 != "\r" && $0 != "\n" })\r\n"
        for (name, value) in copied { response += "\(name): \(value)\r\n" }
        response += "Content-Length: 0\r\n\r\n"
        return Array(response.utf8)
    }
}

private extension StringProtocol {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
