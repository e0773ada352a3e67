#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    @inline(__always)
    var isAtEnd: Bool { index >= end }
    @inline(__always)
    var peek: UInt8? { index < end ? bytes[index] : nil }

    func peek(at offset: Int) -> UInt8? {
        index + offset < end ? bytes[index + offset] : nil
    }

    mutating func advance(_ count: Int = 1) { index = min(index + count, end) }

    /// Consumes `byte` if it is next.
    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Consumes the ASCII text `literal` case-insensitively if it is next.
    @inline(__always)
    mutating func consumeCaseInsensitive(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - index >= count else { return false }
        let pointer = literal.utf8Start
        for i in 0..<count where ASCII.lower(bytes[index + i]) != ASCII.lower(pointer[i]) { return false }
        index += count
        return true
    }

    /// Whether `range` spells the ASCII text `literal`, ignoring case.
    @inline(__always)
    func equalsCaseInsensitive(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        var probe = ByteScanner(bytes, from: range.lowerBound, to: range.upperBound)
        return probe.consumeCaseInsensitive(literal) && probe.isAtEnd
    }

    /// Skips linear white space: spaces, tabs, and line folds (CRLF or LF followed by WSP).
    @inline(__always)
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
    @inline(__always)
    mutating func read(while predicate: (UInt8) -> Bool) -> Range<Int> {
        let start = index
        while index < end, predicate(bytes[index]) { index += 1 }
        return start..<index
    }

    /// Reads an RFC 3261 `token`.
    @inline(__always)
    mutating func readToken() -> Range<Int>? {
        let range = read(while: ASCII.isToken)
        return range.isEmpty ? nil : range
    }

    /// Reads a `quoted-string` (the opening quote must be next) and returns its unescaped
    /// content. Returns nil when the closing quote is missing.
    mutating func readQuotedString() -> String? {
        guard consume(ASCII.quote) else { return nil }
        // Fast path: no escape or fold before the closing quote, so the content is a slice.
        let contentStart = index
        while index < end {
            let c = bytes[index]
            if c == ASCII.quote {
                index += 1
                return string(contentStart..<(index - 1))
            }
            if c == ASCII.backslash || c == ASCII.cr || c == ASCII.lf { break }
            index += 1
        }
        var content = Array(bytes[contentStart..<index])
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

    @inline(__always)
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Like ``string(_:)``, but returns a shared literal for the words SIP repeats in every
    /// message (transport names, parameter names, methods, media types), skipping the UTF-8
    /// validation and copy a new string costs.
    func interned(_ range: Range<Int>) -> String {
        switch range.count {
        case 1: if bytes[range.lowerBound] | 0x20 == 0x71 { return "q" }
        case 2:
            if matches(range, "lr") { return "lr" }
        case 3:
            if matches(range, "SIP") { return "SIP" }
            if matches(range, "2.0") { return "2.0" }
            if matches(range, "UDP") { return "UDP" }
            if matches(range, "TCP") { return "TCP" }
            if matches(range, "TLS") { return "TLS" }
            if matches(range, "tag") { return "tag" }
            if matches(range, "sdp") { return "sdp" }
            if matches(range, "ACK") { return "ACK" }
            if matches(range, "BYE") { return "BYE" }
            if matches(range, "ttl") { return "ttl" }
        case 5:
            if matches(range, "rport") { return "rport" }
            if matches(range, "maddr") { return "maddr" }
        case 6:
            if matches(range, "branch") { return "branch" }
            if matches(range, "INVITE") { return "INVITE" }
            if matches(range, "CANCEL") { return "CANCEL" }
        case 7:
            if matches(range, "expires") { return "expires" }
            if matches(range, "MESSAGE") { return "MESSAGE" }
            if matches(range, "OPTIONS") { return "OPTIONS" }
        case 8:
            if matches(range, "received") { return "received" }
            if matches(range, "REGISTER") { return "REGISTER" }
        case 9:
            if matches(range, "transport") { return "transport" }
        case 11:
            if matches(range, "application") { return "application" }
        default: break
        }
        return string(range)
    }

    @inline(__always)
    private func matches(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        let pointer = literal.utf8Start
        for i in 0..<range.count where bytes[range.lowerBound + i] != pointer[i] { return false }
        return true
    }

    /// The index of the first `byte` in `index..<end`, found with `memchr`.
    func firstIndex(of byte: UInt8, before limit: Int? = nil) -> Int? {
        let upper = limit ?? end
        guard index < upper, let base = bytes.baseAddress,
              let found = memchr(base + index, Int32(byte), upper - index) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}

/// Byte constants and the character classes of RFC 3261 §25.1.
enum ASCII {
    // Computed constants, not stored statics: no lazy-initialization check on every use.
    static var tab: UInt8 { 0x09 }
    static var lf: UInt8 { 0x0A }
    static var cr: UInt8 { 0x0D }
    static var space: UInt8 { 0x20 }
    static var quote: UInt8 { 0x22 }
    static var hash: UInt8 { 0x23 }
    static var percent: UInt8 { 0x25 }
    static var ampersand: UInt8 { 0x26 }
    static var comma: UInt8 { 0x2C }
    static var slash: UInt8 { 0x2F }
    static var colon: UInt8 { 0x3A }
    static var semicolon: UInt8 { 0x3B }
    static var less: UInt8 { 0x3C }
    static var equals: UInt8 { 0x3D }
    static var greater: UInt8 { 0x3E }
    static var question: UInt8 { 0x3F }
    static var at: UInt8 { 0x40 }
    static var leftBracket: UInt8 { 0x5B }
    static var backslash: UInt8 { 0x5C }
    static var rightBracket: UInt8 { 0x5D }
    static var dot: UInt8 { 0x2E }
    static var minus: UInt8 { 0x2D }
    static var plus: UInt8 { 0x2B }

    static func isWSP(_ c: UInt8) -> Bool { c == space || c == tab }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    static func isAlphanumeric(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }
    static func isHex(_ c: UInt8) -> Bool { isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) }
    static func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }

    /// `token` (RFC 3261 §25.1): alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~".
    @inline(__always)
    static func isToken(_ c: UInt8) -> Bool { inClass(c, 0x03ff6ca200000000, 0x47ffffff87fffffe) }
    /// `unreserved` = alphanum / mark.
    @inline(__always)
    static func isUnreserved(_ c: UInt8) -> Bool { inClass(c, 0x03ff678200000000, 0x47fffffe87fffffe) }
    /// `word` (Call-ID parts).
    @inline(__always)
    static func isWord(_ c: UInt8) -> Bool { inClass(c, 0xd7ffefa600000000, 0x6fffffffbffffffe) }
    /// Characters allowed in a URI `user` besides escapes: unreserved / user-unreserved.
    @inline(__always)
    static func isUserChar(_ c: UInt8) -> Bool { inClass(c, 0xabffffd200000000, 0x47fffffe87fffffe) }
    /// Characters allowed in a URI `password`: unreserved / "&" / "=" / "+" / "$" / ",".
    @inline(__always)
    static func isPasswordChar(_ c: UInt8) -> Bool { inClass(c, 0x23ff7fd200000000, 0x47fffffe87fffffe) }
    /// `paramchar` without escapes: param-unreserved ("[" "]" "/" ":" "&" "+" "$") / unreserved.
    @inline(__always)
    static func isParamChar(_ c: UInt8) -> Bool { inClass(c, 0x07ffefd200000000, 0x47fffffeaffffffe) }
    /// `hnv-unreserved` ("[" "]" "/" "?" ":" "+" "$") / unreserved (URI header names and values).
    @inline(__always)
    static func isHeaderChar(_ c: UInt8) -> Bool { inClass(c, 0x87ffef9200000000, 0x47fffffeaffffffe) }
    /// Host name characters (and IPv4 digits and dots): alphanum / "-" / ".".
    @inline(__always)
    static func isHostChar(_ c: UInt8) -> Bool { inClass(c, 0x03ff600000000000, 0x07fffffe07fffffe) }

    /// Whether `c` is in the ASCII class given as two 64-bit masks (bit n of `low` is byte n,
    /// bit n of `high` is byte 64+n): a select, a shift and a test, with no branch — these run
    /// once per byte of every name, host and token.
    @inline(__always)
    static func inClass(_ c: UInt8, _ low: UInt64, _ high: UInt64) -> Bool {
        let mask = c & 64 == 0 ? low : high
        // Bytes from 128 up are in no class: `c >> 7` is 1 for them, so the AND clears the bit.
        return (mask >> UInt64(c & 63)) & UInt64(~c >> 7) & 1 == 1
    }
}

/// Runs `body` over the bytes of `array`, keeping `body`'s typed error (the standard
/// `withUnsafeBufferPointer` is `rethrows`, which erases it).
@inline(__always)
func withBytes<T, E: Error>(_ array: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> T) throws(E) -> T {
    let result: Result<T, E> = array.withUnsafeBufferPointer { bytes in
        do throws(E) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    // `consume`: `Result.get()` would copy the payload (retaining every string in it).
    switch consume result {
    case .success(let value): return value
    case .failure(let error): throw error
    }
}

/// Runs `body` over the UTF-8 bytes of `text`, keeping `body`'s typed error.
@inline(__always)
func withBytes<T, E: Error>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> T) throws(E) -> T {
    var copy = text
    let result: Result<T, E> = copy.withUTF8 { bytes in
        do throws(E) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    switch consume result {
    case .success(let value): return value
    case .failure(let error): throw error
    }
}
