/// A session description that could not be read, with the line that was wrong.
public struct SDPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line number.
    public var line: Int
    /// What is wrong.
    public var reason: String

    public var description: String { "SDP line \(line): \(reason)" }
}

extension SessionDescription {
    /// Parses a session description.
    ///
    /// Tolerant where interoperability needs it: LF or CRLF line ends, trailing white space, a
    /// missing final line end, unknown `a=` attributes (kept) and unknown type letters (ignored,
    /// RFC 8866 §5). Strict where a wrong value would be used: `v=0`, `o=` with a numeric version,
    /// `m=` with a numeric port, numeric `b=` and `t=` values.
    public init(parsing text: String) throws(SDPParseError) {
        self = try SDPParser.parse(Array(text.utf8))
    }

    /// Parses a session description from bytes (a SIP body).
    public init(parsing bytes: some Collection<UInt8>) throws(SDPParseError) {
        self = try SDPParser.parse(Array(bytes))
    }
}

enum SDPParser {
    static func parse(_ bytes: [UInt8]) throws(SDPParseError) -> SessionDescription {
        var lines: [(number: Int, type: UInt8, value: String)] = []
        var number = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            number += 1
            var lineEnd = end
            while lineEnd > start, bytes[lineEnd - 1] == 0x0D || bytes[lineEnd - 1] == 0x20 || bytes[lineEnd - 1] == 0x09 {
                lineEnd -= 1
            }
            if lineEnd > start {
                guard lineEnd - start >= 2, bytes[start + 1] == UInt8(ascii: "=") else {
                    throw SDPParseError(line: number, reason: "expected <type>=<value>")
                }
                let value = String(decoding: bytes[(start + 2)..<lineEnd], as: UTF8.self)
                lines.append((number, bytes[start], value))
            }
            start = end + 1
        }
        guard let first = lines.first else { throw SDPParseError(line: 1, reason: "the description is empty") }
        guard first.type == UInt8(ascii: "v"), first.value == "0" else {
            throw SDPParseError(line: first.number, reason: "the first line must be v=0")
        }
        var origin: Origin?
        var session = SessionDescription(origin: Origin(sessionID: "0", sessionVersion: 0, addressType: "IP4", address: "0.0.0.0"))
        session.timing = []
        var sessionName: String?
        var current: MediaDescription?

        func finishMedia() {
            if let media = current { session.media.append(media) }
            current = nil
        }

        for (number, type, value) in lines.dropFirst() {
            switch type {
            case UInt8(ascii: "o"):
                origin = try parseOrigin(value, line: number)
            case UInt8(ascii: "s"):
                sessionName = value
            case UInt8(ascii: "i"):
                if current != nil { current?.information = value } else { session.information = value }
            case UInt8(ascii: "u"):
                session.uri = value
            case UInt8(ascii: "e"):
                session.emails.append(value)
            case UInt8(ascii: "p"):
                session.phones.append(value)
            case UInt8(ascii: "c"):
                let connection = try parseConnection(value, line: number)
                if current != nil { current?.connections.append(connection) } else { session.connection = connection }
            case UInt8(ascii: "b"):
                let bandwidth = try parseBandwidth(value, line: number)
                if current != nil { current?.bandwidths.append(bandwidth) } else { session.bandwidths.append(bandwidth) }
            case UInt8(ascii: "t"):
                let fields = value.split(separator: " ")
                guard fields.count == 2, let start = UInt64(fields[0]), let stop = UInt64(fields[1]) else {
                    throw SDPParseError(line: number, reason: "t= needs two numbers, got '\(value)'")
                }
                session.timing.append(Timing(start: start, stop: stop))
            case UInt8(ascii: "r"):
                if session.timing.isEmpty { session.timing.append(Timing()) }
                session.timing[session.timing.count - 1].repeats.append(value)
            case UInt8(ascii: "z"):
                session.timeZones = value
            case UInt8(ascii: "k"):
                if current != nil { current?.key = value } else { session.key = value }
            case UInt8(ascii: "a"):
                let attribute = parseAttribute(value)
                if current != nil { current?.attributes.append(attribute) } else { session.attributes.append(attribute) }
            case UInt8(ascii: "m"):
                finishMedia()
                current = try parseMedia(value, line: number)
            default:
                continue   // RFC 8866 §5: an unknown type letter is ignored.
            }
        }
        finishMedia()
        guard let origin else { throw SDPParseError(line: first.number, reason: "the o= line is missing") }
        session.origin = origin
        session.sessionName = sessionName ?? "-"
        if session.timing.isEmpty { session.timing = [Timing()] }
        return session
    }

    static func parseOrigin(_ value: String, line: Int) throws(SDPParseError) -> Origin {
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 6 else {
            throw SDPParseError(line: line, reason: "o= needs 6 fields (user id version IN IP4 address), got \(fields.count)")
        }
        guard let version = UInt64(fields[2]) else {
            throw SDPParseError(line: line, reason: "o= session version '\(fields[2])' is not a number")
        }
        return Origin(username: String(fields[0]), sessionID: String(fields[1]), sessionVersion: version,
                      networkType: String(fields[3]), addressType: String(fields[4]), address: String(fields[5]))
    }

    static func parseConnection(_ value: String, line: Int) throws(SDPParseError) -> Connection {
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 3 else { throw SDPParseError(line: line, reason: "c= needs 3 fields (IN IP4 address)") }
        return Connection(networkType: String(fields[0]), addressType: String(fields[1]), address: String(fields[2]))
    }

    static func parseBandwidth(_ value: String, line: Int) throws(SDPParseError) -> Bandwidth {
        let parts = value.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let amount = UInt64(parts[1].trimmingSpaces) else {
            throw SDPParseError(line: line, reason: "b= needs <type>:<number>, got '\(value)'")
        }
        return Bandwidth(type: String(parts[0]), value: amount)
    }

    static func parseAttribute(_ value: String) -> Attribute {
        guard let colon = value.firstIndex(of: ":") else { return Attribute(value) }
        return Attribute(String(value[..<colon]), String(value[value.index(after: colon)...]))
    }

    static func parseMedia(_ value: String, line: Int) throws(SDPParseError) -> MediaDescription {
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3 else {
            throw SDPParseError(line: line, reason: "m= needs <media> <port> <proto> <formats>, got '\(value)'")
        }
        let portField = fields[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = Int(portField[0]), (0...65_535).contains(port) else {
            throw SDPParseError(line: line, reason: "m= port '\(fields[1])' is not a port number")
        }
        var media = MediaDescription(type: String(fields[0]), port: port, proto: String(fields[2]),
                                     formats: fields.dropFirst(3).map(String.init))
        if portField.count == 2 {
            guard let count = Int(portField[1]), count > 0 else {
                throw SDPParseError(line: line, reason: "m= port count '\(portField[1])' is not a number")
            }
            media.portCount = count
        }
        return media
    }
}
