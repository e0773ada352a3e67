#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SIPMessage {
    /// Frames a message received as one datagram (RFC 3261 §18.3): the body is the
    /// Content-Length octets after the header section (the rest of the datagram when there is
    /// no Content-Length); octets beyond it are ignored.
    /// - Throws: ``SIPParseError`` saying what is wrong, where, and how to answer.
    public init(datagram bytes: [UInt8]) throws(SIPParseError) {
        // A datagram is complete by definition: `frame` never asks for more bytes.
        self = try Self.frame(bytes, start: 0, datagram: true)!.message
    }

    /// Frames a message at `start`; on a stream, returns nil when the body has not fully arrived.
    static func frame(_ bytes: [UInt8], start: Int, datagram: Bool,
                      maximumBody: Int = .max) throws(SIPParseError) -> (message: SIPMessage, end: Int)? {
        let header = try withBytes(bytes) { (p) throws(SIPParseError) -> FramedHeader in
            try Self.frameHeader(p, start: start, datagram: datagram)
        }
        let headers = SIPHeaders(buffer: bytes, fields: header.fields)
        let isRequest = header.isRequest
        // Content-Length: every value must agree (RFC 4475 §3.3.9) and be a non-negative number.
        var length: Int?
        for field in header.fields where field.name == .contentLength {
            // The value is already trimmed; a fold inside it is not a number either.
            let range = field.range
            let number = withBytes(bytes) { p -> Int? in
                let scanner = ByteScanner(p, from: range.lowerBound, to: range.upperBound)
                guard (1...9).contains(range.count), p[range].allSatisfy(ASCII.isDigit) else { return nil }
                return parseDecimal(scanner, range).map(Int.init)
            }
            guard let value = number else {
                throw SIPParseError(.contentLength, "Content-Length must be a non-negative number, got '\(headers.text(field))'",
                                    isRequest: isRequest, headers: headers)
            }
            if let length, length != value {
                throw SIPParseError(.contentLength, "Content-Length appears with different values (\(length) and \(value))",
                                    isRequest: isRequest, headers: headers)
            }
            length = value
        }
        let available = bytes.count - header.bodyStart
        let bodyLength: Int
        if let length {
            guard length <= maximumBody else {
                throw SIPParseError(.tooLarge, "body of \(length) bytes exceeds the limit of \(maximumBody)",
                                    isRequest: isRequest, status: 413, headers: headers)
            }
            guard length <= available else {
                if !datagram { return nil }
                throw SIPParseError(.contentLength,
                                    "Content-Length \(length) is larger than the \(available) bytes that follow the headers",
                                    offset: header.bodyStart, isRequest: isRequest, headers: headers)
            }
            bodyLength = length
        } else {
            // No Content-Length: the rest of a datagram; nothing on a stream (RFC 3261 §18.3).
            bodyLength = datagram ? available : 0
        }
        let body = Array(bytes[header.bodyStart..<(header.bodyStart + bodyLength)])
        let startLine: StartLine
        switch header.startLine {
        case .response(let status, let reason):
            startLine = .response(status: status, reason: reason)
        case .request(let method, let uriRange):
            do {
                let uri = try withBytes(bytes) { (p) throws(SIPURIError) -> SIPURI in try SIPURI.parse(p, uriRange) }
                if uri.scheme.isSIP, !uri.headers.isEmpty {
                    // RFC 3261 §19.1.1 table 1: headers are not allowed in a Request-URI.
                    throw SIPParseError(.requestURI, "the Request-URI carries URI headers (?…), which are not allowed there",
                                        offset: uriRange.lowerBound, isRequest: true, headers: headers)
                }
                startLine = .request(method: method, uri: uri)
            } catch let error as SIPParseError {
                throw error
            } catch let error as SIPURIError {
                throw SIPParseError(.requestURI, "bad Request-URI: \(error.message)",
                                    offset: uriRange.lowerBound + error.offset, isRequest: true, headers: headers)
            } catch {
                throw SIPParseError(.requestURI, "bad Request-URI", isRequest: true, headers: headers)
            }
        }
        return (SIPMessage(startLine: startLine, headers: headers, body: body), header.bodyStart + bodyLength)
    }

    enum RawStartLine {
        case request(SIPMethod, uri: Range<Int>)
        case response(Int, String)
    }

    struct FramedHeader {
        var startLine: RawStartLine
        var fields: [SIPHeaders.Field]
        var bodyStart: Int
        var isRequest: Bool {
            if case .request = startLine { return true }
            return false
        }
    }

    /// Finds the end of the line starting at `index`: (content end excluding CR, next line start).
    @inline(__always)
    static func lineEnd(_ p: UnsafeBufferPointer<UInt8>, from index: Int) -> (Int, Int)? {
        guard index < p.count, let base = p.baseAddress,
              let found = memchr(base + index, Int32(ASCII.lf), p.count - index) else { return nil }
        let i = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        let contentEnd = i > index && p[i - 1] == ASCII.cr ? i - 1 : i
        return (contentEnd, i + 1)
    }

    static func frameHeader(_ p: UnsafeBufferPointer<UInt8>, start: Int, datagram: Bool) throws(SIPParseError) -> FramedHeader {
        guard let (lineContentEnd, afterStart) = lineEnd(p, from: start) else {
            throw SIPParseError(.truncated, "no complete start line", isRequest: nil)
        }
        let startLine = try parseStartLine(p, start..<lineContentEnd)
        let isRequest: Bool = if case .request = startLine { true } else { false }
        var fields: [SIPHeaders.Field] = []
        fields.reserveCapacity(16)
        var index = afterStart
        while true {
            var line = lineEnd(p, from: index)
            if line == nil, datagram {
                // A datagram is complete: its end also ends the header section (RFC 4475
                // §3.1.2.15's message has no empty line; the display name is its real fault).
                if index >= p.count { return FramedHeader(startLine: startLine, fields: fields, bodyStart: p.count) }
                line = (p.count, p.count)
            }
            guard let (contentEnd, next) = line else {
                throw SIPParseError(.truncated, "the header section does not end with an empty line", offset: index,
                                    isRequest: isRequest, headers: SIPHeaders(buffer: Array(p), fields: fields))
            }
            if contentEnd == index {
                return FramedHeader(startLine: startLine, fields: fields, bodyStart: next)
            }
            let first = p[index]
            if ASCII.isWSP(first) {
                // A fold: the line continues the previous header's value.
                guard let last = fields.indices.last else {
                    throw SIPParseError(.headerLine, "a header section cannot start with a continuation line",
                                        offset: index, isRequest: isRequest)
                }
                var end = contentEnd
                while end > index, ASCII.isWSP(p[end - 1]) { end -= 1 }
                if end > index {
                    let range = fields[last].range
                    var valueStart = range.lowerBound
                    if range.isEmpty {
                        // The value begins on this continuation line.
                        valueStart = index
                        while valueStart < end, ASCII.isWSP(p[valueStart]) { valueStart += 1 }
                    }
                    fields[last].range = valueStart..<end
                    fields[last].folded = !range.isEmpty
                }
                index = next
                continue
            }
            var i = index
            while i < contentEnd, ASCII.isToken(p[i]) { i += 1 }
            let nameRange = index..<i
            while i < contentEnd, ASCII.isWSP(p[i]) { i += 1 }
            guard !nameRange.isEmpty, i < contentEnd, p[i] == ASCII.colon else {
                throw SIPParseError(.headerLine, "header line \(String(decoding: UnsafeBufferPointer(rebasing: p[index..<min(contentEnd, index + 40)]), as: UTF8.self).debugDescription) has no 'Name:'",
                                    offset: index, isRequest: isRequest,
                                    headers: SIPHeaders(buffer: Array(p), fields: fields))
            }
            i += 1
            while i < contentEnd, ASCII.isWSP(p[i]) { i += 1 }
            var end = contentEnd
            while end > i, ASCII.isWSP(p[end - 1]) { end -= 1 }
            fields.append(SIPHeaders.Field(name: SIPHeaderName.parse(p, nameRange), range: i..<end, folded: false))
            index = next
        }
    }

    static func parseStartLine(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) throws(SIPParseError) -> RawStartLine {
        let text = { (r: Range<Int>) in String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self) }
        var scanner = ByteScanner(p, from: line.lowerBound, to: line.upperBound)
        if scanner.consumeCaseInsensitive("SIP/") {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            let version = scanner.read { $0 != ASCII.space }
            guard text(version) == "2.0" else {
                throw SIPParseError(.version, "unsupported protocol version SIP/\(text(version))", offset: version.lowerBound, isRequest: false)
            }
            guard scanner.consume(ASCII.space) else { throw SIPParseError(.startLine, "expected a status code", isRequest: false) }
            let code = scanner.read(while: ASCII.isDigit)
            guard code.count == 3, let status = Int(text(code)), (100...699).contains(status) else {
                throw SIPParseError(.statusCode, "status code must be three digits from 100 to 699, got '\(text(code))'",
                                    offset: code.lowerBound, isRequest: false)
            }
            var reason = ""
            if scanner.consume(ASCII.space) { reason = text(scanner.index..<line.upperBound) } else if !scanner.isAtEnd {
                throw SIPParseError(.statusCode, "a space must follow the status code", isRequest: false)
            }
            return .response(status, reason)
        }
        // Request-Line = Method SP Request-URI SP SIP-Version (exactly one SP each, RFC 3261 §7.1)
        guard let method = scanner.readToken() else {
            throw SIPParseError(.startLine, "the start line is neither a request nor a status line", offset: line.lowerBound, isRequest: nil)
        }
        guard scanner.consume(ASCII.space) else {
            throw SIPParseError(.startLine, "expected one space after the method", offset: scanner.index, isRequest: true)
        }
        let uri = scanner.read { $0 != ASCII.space && $0 != ASCII.tab }
        guard !uri.isEmpty else {
            throw SIPParseError(.startLine, "expected the Request-URI after a single space", offset: scanner.index, isRequest: true)
        }
        guard scanner.consume(ASCII.space) else {
            throw SIPParseError(.startLine, "expected one space after the Request-URI", offset: scanner.index, isRequest: true)
        }
        let versionStart = scanner.index
        guard scanner.consumeCaseInsensitive("SIP/") else {
            throw SIPParseError(.startLine, "expected SIP/2.0 after the Request-URI (white space inside a URI is not allowed)",
                                offset: versionStart, isRequest: true)
        }
        let version = scanner.read { $0 != ASCII.space && $0 != ASCII.tab }
        guard scanner.isAtEnd else {
            throw SIPParseError(.startLine, "unexpected white space or text after SIP/\(text(version))", offset: scanner.index, isRequest: true)
        }
        guard text(version) == "2.0" else {
            throw SIPParseError(.version, "unsupported protocol version SIP/\(text(version))", offset: versionStart,
                                isRequest: true, status: 505)
        }
        return .request(SIPMethod(scanner.interned(method)), uri: uri)
    }
}
