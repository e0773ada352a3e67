extension SIPURI {
    /// Parses a URI.
    /// - Throws: ``SIPURIError`` naming the problem and its position.
    public static func parse(_ text: String) throws(SIPURIError) -> SIPURI {
        try withBytes(text) { (bytes) throws(SIPURIError) -> SIPURI in try parse(bytes, 0..<bytes.count) }
    }

    /// Parses the URI in `range` of `bytes` (the whole range must be the URI).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(SIPURIError) -> SIPURI {
        var scanner = ByteScanner(bytes, from: range.lowerBound, to: range.upperBound)
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        let schemeStart = scanner.index
        guard let first = scanner.peek, ASCII.isAlpha(first) else {
            throw SIPURIError("a URI must start with a scheme such as sip:", at: 0)
        }
        _ = scanner.read { ASCII.isAlphanumeric($0) || $0 == ASCII.plus || $0 == ASCII.minus || $0 == ASCII.dot }
        let schemeRange = schemeStart..<scanner.index
        guard scanner.consume(ASCII.colon) else {
            throw SIPURIError("missing ':' after the scheme", at: scanner.index - range.lowerBound)
        }
        // The three schemes Callwire understands, matched on the raw bytes.
        if scanner.equalsCaseInsensitive(schemeRange, "sip") { return try parseSIP(&scanner, scheme: .sip, base: range.lowerBound) }
        if scanner.equalsCaseInsensitive(schemeRange, "sips") { return try parseSIP(&scanner, scheme: .sips, base: range.lowerBound) }
        if scanner.equalsCaseInsensitive(schemeRange, "tel") { return try parseTel(&scanner, base: range.lowerBound) }
        let schemeName = scanner.string(schemeRange).lowercased()
        let rest = scanner.read { $0 > ASCII.space && $0 < 0x7F && $0 != ASCII.less && $0 != ASCII.greater && $0 != ASCII.quote }
        guard scanner.isAtEnd, !rest.isEmpty else {
            throw SIPURIError("unexpected character in a \(schemeName): URI", at: scanner.index - range.lowerBound)
        }
        return SIPURI(other: schemeName, opaque: scanner.string(rest))
    }

    private static func parseSIP(_ scanner: inout ByteScanner, scheme: Scheme, base: Int) throws(SIPURIError) -> SIPURI {
        // Parts are gathered in locals and the URI is built once, by the memberwise initializer,
        // at the end (see the note in SIPURI).
        var user: String?, password: String?, host = "", port: Int?
        var parameters: [Parameter] = [], headers: [Parameter] = []
        // userinfo: present iff an '@' occurs (it is not allowed unescaped anywhere else).
        if let at = scanner.firstIndex(of: ASCII.at) {
            let colon = scanner.firstIndex(of: ASCII.colon, before: at)
            let userEnd = colon ?? at
            guard userEnd > scanner.index else { throw SIPURIError("empty user part before '@'", at: scanner.index - base) }
            user = try unescape(scanner, scanner.index..<userEnd, allowed: ASCII.isUserChar, what: "user", base: base)
            if let colon {
                password = try unescape(scanner, (colon + 1)..<at, allowed: ASCII.isPasswordChar, what: "password", base: base)
            }
            scanner.index = at + 1
        }
        // host: IPv6reference / hostname / IPv4address
        if scanner.consume(ASCII.leftBracket) {
            let v6 = scanner.read { ASCII.isHex($0) || $0 == ASCII.colon || $0 == ASCII.dot }
            guard scanner.consume(ASCII.rightBracket), !v6.isEmpty else {
                throw SIPURIError("unterminated IPv6 reference; write [2001:db8::1]", at: scanner.index - base)
            }
            // RFC 5118 §4.10: RFC 3261's ABNF admits a third colon ("2001:db8:::192.0.2.1");
            // read it as the address it obviously means.
            var address = Array(scanner.bytes[v6])
            while let triple = (0..<max(address.count - 2, 0)).first(where: {
                address[$0] == ASCII.colon && address[$0 + 1] == ASCII.colon && address[$0 + 2] == ASCII.colon
            }) {
                address.remove(at: triple)
            }
            host = String(decoding: address, as: UTF8.self)
        } else {
            let hostRange = scanner.read(while: ASCII.isHostChar)
            guard !hostRange.isEmpty else { throw SIPURIError("missing host", at: scanner.index - base) }
            host = scanner.string(hostRange)
        }
        if scanner.consume(ASCII.colon) {
            let digits = scanner.read(while: ASCII.isDigit)
            guard !digits.isEmpty, digits.count <= 5, let value = parseDecimal(scanner, digits), value <= 65_535 else {
                if ASCII.isHex(scanner.peek ?? 0) || scanner.peek == ASCII.colon {
                    throw SIPURIError("an IPv6 address must be enclosed in [ ]", at: scanner.index - base)
                }
                throw SIPURIError("port must be a number from 0 to 65535", at: scanner.index - base)
            }
            port = Int(value)
        }
        while scanner.consume(ASCII.semicolon) {
            let name = scanner.read { ASCII.isParamChar($0) || $0 == ASCII.percent }
            guard !name.isEmpty else { throw SIPURIError("empty URI parameter", at: scanner.index - base) }
            let nameText = try unescape(scanner, name, allowed: ASCII.isParamChar, what: "parameter", base: base)
            if scanner.consume(ASCII.equals) {
                let value = scanner.read { ASCII.isParamChar($0) || $0 == ASCII.percent }
                parameters.append(Parameter(nameText, try unescape(scanner, value, allowed: ASCII.isParamChar,
                                                                       what: "parameter value", base: base)))
            } else {
                parameters.append(Parameter(nameText))
            }
        }
        if scanner.consume(ASCII.question) {
            repeat {
                let name = scanner.read { ASCII.isHeaderChar($0) || $0 == ASCII.percent }
                guard !name.isEmpty, scanner.consume(ASCII.equals) else {
                    throw SIPURIError("URI headers are written ?name=value&name=value", at: scanner.index - base)
                }
                let value = scanner.read { ASCII.isHeaderChar($0) || $0 == ASCII.percent }
                headers.append(Parameter(
                    try unescape(scanner, name, allowed: ASCII.isHeaderChar, what: "header name", base: base),
                    try unescape(scanner, value, allowed: ASCII.isHeaderChar, what: "header value", base: base)))
            } while scanner.consume(ASCII.ampersand)
        }
        guard scanner.isAtEnd else {
            let c = scanner.peek!
            let what = c == ASCII.space || c == ASCII.tab ? "white space" : "character '\(Character(Unicode.Scalar(c)))'"
            throw SIPURIError("unexpected \(what) in the URI", at: scanner.index - base)
        }
        return SIPURI(scheme: scheme, user: user, password: password, host: host, port: port,
                      parameters: parameters, headers: headers, opaque: nil)
    }

    private static func parseTel(_ scanner: inout ByteScanner, base: Int) throws(SIPURIError) -> SIPURI {
        let number = scanner.read { $0 != ASCII.semicolon && $0 > ASCII.space && $0 < 0x7F }
        guard !number.isEmpty else { throw SIPURIError("a tel: URI needs a number", at: scanner.index - base) }
        var uri = SIPURI(scheme: .tel, host: "")
        uri.user = scanner.string(number)
        while scanner.consume(ASCII.semicolon) {
            let name = scanner.read { ASCII.isParamChar($0) || $0 == ASCII.percent }
            let nameText = scanner.string(name)
            if scanner.consume(ASCII.equals) {
                let value = scanner.read { ASCII.isParamChar($0) || $0 == ASCII.percent }
                uri.parameters.append(Parameter(nameText, try unescape(scanner, value, allowed: ASCII.isParamChar,
                                                                       what: "parameter value", base: base)))
            } else {
                uri.parameters.append(Parameter(nameText))
            }
        }
        guard scanner.isAtEnd else { throw SIPURIError("unexpected character in a tel: URI", at: scanner.index - base) }
        return uri
    }

    /// Decodes %HH escapes in `range`, checking every other byte against `allowed`.
    static func unescape(_ scanner: ByteScanner, _ range: Range<Int>, allowed: (UInt8) -> Bool, what: String,
                         base: Int) throws(SIPURIError) -> String {
        var needsWork = false
        for i in range {
            let c = scanner.bytes[i]
            if c == ASCII.percent { needsWork = true; continue }
            guard allowed(c) else {
                throw SIPURIError("character '\(Character(Unicode.Scalar(c)))' is not allowed in a URI \(what); escape it as %\(hex(c))",
                                  at: i - base)
            }
        }
        if !needsWork { return scanner.interned(range) }
        var out: [UInt8] = []
        var i = range.lowerBound
        while i < range.upperBound {
            let c = scanner.bytes[i]
            if c == ASCII.percent {
                guard i + 2 < range.upperBound, let high = hexValue(scanner.bytes[i + 1]), let low = hexValue(scanner.bytes[i + 2]) else {
                    throw SIPURIError("'%' must start an escape such as %40", at: i - base)
                }
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    static func hex(_ c: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(c >> 4)], digits[Int(c & 0xF)]])
    }
}

/// A URI that does not follow RFC 3261 §19.1 / §25.
public struct SIPURIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The byte offset of the problem within the URI.
    public var offset: Int

    init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (at offset \(offset))" }
}
