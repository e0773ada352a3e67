/// A cursor over SIP text bytes with the character classes of RFC 3261 §25.1.
///
/// Parsers of URIs, name-addrs, Via values and parameter lists share it. It works on a buffer
/// pointer for speed; callers keep the bytes alive (`withUnsafeBufferPointer`).
struct ByteScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        index = start
        self.end = end ?? bytes.count
    }

    var isAtEnd: Bool { index >= end }
    var peek: UInt8? { index < end ? bytes[index] : nil }

    func peek(at offset: Int) -> UInt8? {
        index + offset < end ? bytes[index + offset] : nil
    }

    mutating func advance(_ count: Int = 1) { index = min(index + count, end) }

    /// Consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Consumes the ASCII text `literal` case-insensitively if it is next.
    mutating func consumeCaseInsensitive(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - index >= count else { return false }
        let pointer = literal.utf8Start
        for i in 0..<count where ASCII.lower(bytes[index + i]) != ASCII.lower(pointer[i]) { return false }
        index += count
        return true
    }

    /// Skips linear white space: spaces, tabs, and line folds (CRLF or LF followed by WSP).
    mutating func skipLWS() {
        while index < end {
            let c = bytes[index]
            if c == ASCII.space || c == ASCII.tab {
                index += 1
            } else if c == ASCII.cr, index + 2 < end, bytes[index + 1] == ASCII.lf, ASCII.isWSP(bytes[index + 2]) {
                index += 3
            } else if c == ASCII.lf, index + 1 < end, ASCII.isWSP(bytes[index + 1]) {
                index += 2
            } else {
                return
            }
        }
    }

    /// Reads a run of bytes satisfying `predicate`; returns its range (possibly empty).
    mutating func read(while predicate: (UInt8) -> Bool) -> Range<Int> {
        let start = index
        while index < end, predicate(bytes[index]) { index += 1 }
        return start..<index
    }

    /// Reads an RFC 3261 `token`.
    mutating func readToken() -> Range<Int>? {
        let range = read(while: ASCII.isToken)
        return range.isEmpty ? nil : range
    }

    /// Reads a `quoted-string` (the opening quote must be next) and returns its unescaped
    /// content. Returns nil when the closing quote is missing.
    mutating func readQuotedString() -> String? {
        guard consume(ASCII.quote) else { return nil }
        var content: [UInt8] = []
        while index < end {
            let c = bytes[index]
            if c == ASCII.quote {
                index += 1
                return String(decoding: content, as: UTF8.self)
            }
            if c == ASCII.backslash {
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                guard index + 1 < end else { return nil }
                let escaped = bytes[index + 1]
                guard escaped <= 0x7F, escaped != ASCII.cr, escaped != ASCII.lf else { return nil }
                content.append(escaped)
                index += 2
                continue
            }
            if c == ASCII.cr || c == ASCII.lf {
                // Folding inside a quoted string is LWS.
                let before = index
                skipLWS()
                if index == before { return nil }
                content.append(ASCII.space)
                continue
            }
            content.append(c)
            index += 1
        }
        return nil
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

/// Byte constants and the character classes of RFC 3261 §25.1.
enum ASCII {
    static let tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, space: UInt8 = 0x20
    static let quote: UInt8 = 0x22, hash: UInt8 = 0x23, percent: UInt8 = 0x25, ampersand: UInt8 = 0x26
    static let comma: UInt8 = 0x2C, slash: UInt8 = 0x2F, colon: UInt8 = 0x3A, semicolon: UInt8 = 0x3B
    static let less: UInt8 = 0x3C, equals: UInt8 = 0x3D, greater: UInt8 = 0x3E, question: UInt8 = 0x3F
    static let at: UInt8 = 0x40, leftBracket: UInt8 = 0x5B, backslash: UInt8 = 0x5C, rightBracket: UInt8 = 0x5D
    static let dot: UInt8 = 0x2E, minus: UInt8 = 0x2D, plus: UInt8 = 0x2B

    static func isWSP(_ c: UInt8) -> Bool { c == space || c == tab }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    static func isAlphanumeric(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }
    static func isHex(_ c: UInt8) -> Bool { isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) }
    static func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }

    private static let tokenTable: [Bool] = (0..<256).map { c in
        let b = UInt8(c)
        return isAlphanumeric(b) || "-.!%*_+`'~".utf8.contains(b)
    }
    private static let unreservedTable: [Bool] = (0..<256).map { c in
        let b = UInt8(c)
        return isAlphanumeric(b) || "-_.!~*'()".utf8.contains(b)
    }
    private static let wordTable: [Bool] = (0..<256).map { c in
        let b = UInt8(c)
        return isAlphanumeric(b) || "-.!%*_+`'~()<>:\\\"/[]?{}".utf8.contains(b)
    }

    /// `token` (RFC 3261 §25.1).
    static func isToken(_ c: UInt8) -> Bool { tokenTable[Int(c)] }
    /// `unreserved` = alphanum / mark.
    static func isUnreserved(_ c: UInt8) -> Bool { unreservedTable[Int(c)] }
    /// `word` (Call-ID parts).
    static func isWord(_ c: UInt8) -> Bool { wordTable[Int(c)] }
    /// Characters allowed in a URI `user` besides escapes: unreserved / user-unreserved.
    static func isUserChar(_ c: UInt8) -> Bool { isUnreserved(c) || "&=+$,;?/".utf8.contains(c) }
    /// Characters allowed in a URI `password`.
    static func isPasswordChar(_ c: UInt8) -> Bool { isUnreserved(c) || "&=+$,".utf8.contains(c) }
    /// `paramchar` without escapes: param-unreserved / unreserved.
    static func isParamChar(_ c: UInt8) -> Bool { isUnreserved(c) || "[]/:&+$".utf8.contains(c) }
    /// `hnv-unreserved` / unreserved (URI header names and values).
    static func isHeaderChar(_ c: UInt8) -> Bool { isUnreserved(c) || "[]/?:+$".utf8.contains(c) }
    /// Host name characters (and IPv4 digits and dots).
    static func isHostChar(_ c: UInt8) -> Bool { isAlphanumeric(c) || c == minus || c == dot }
}

/// Runs `body` over the bytes of `array`, keeping `body`'s typed error (the standard
/// `withUnsafeBufferPointer` is `rethrows`, which erases it).
@inline(__always)
func withBytes<T, E: Error>(_ array: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> T) throws(E) -> T {
    let result: Result<T, E> = array.withUnsafeBufferPointer { bytes in
        do throws(E) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// Runs `body` over the UTF-8 bytes of `text`, keeping `body`'s typed error.
@inline(__always)
func withBytes<T, E: Error>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> T) throws(E) -> T {
    var copy = text
    let result: Result<T, E> = copy.withUTF8 { bytes in
        do throws(E) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    return try result.get()
}
