/// The header fields of a message, in order, as received or as built.
///
/// Received values are views into the message's bytes (no copying while parsing); line folds
/// are turned into single spaces when a value is read as text. Names compare
/// case-insensitively with compact forms normalized: `headers[.callID]` finds an `i:` line.
public struct SIPHeaders: Sendable {
    /// One header line: a name and the byte range of its value in ``buffer``.
    struct Field: Sendable {
        var name: SIPHeaderName
        var range: Range<Int>
        /// Whether the value spans several lines (line folding).
        var folded: Bool
    }

    /// The received message's bytes, followed by any values set by code.
    var buffer: [UInt8]
    var fields: [Field]

    /// Appends `value` to the buffer and returns a field for it.
    private mutating func store(_ name: SIPHeaderName, _ value: String) -> Field {
        let start = buffer.count
        buffer.append(contentsOf: value.utf8)
        return Field(name: name, range: start..<buffer.count, folded: false)
    }

    /// The number of header lines.
    public var count: Int { fields.count }

    /// Every header line as (name, value text), in order.
    public var all: [(name: SIPHeaderName, value: String)] { fields.map { ($0.name, text($0)) } }

    /// The first value of `name`, as text.
    public subscript(_ name: SIPHeaderName) -> String? {
        firstIndex(name).map { text(fields[$0]) }
    }

    /// Every line's value for `name`, as text (not split at commas).
    public func values(_ name: SIPHeaderName) -> [String] {
        fields.indices.filter { fields[$0].name == name }.map { text(fields[$0]) }
    }

    /// How many lines carry `name`.
    public func count(_ name: SIPHeaderName) -> Int {
        var count = 0
        for i in fields.indices where fields[i].name == name { count += 1 }
        return count
    }

    /// Whether any line carries `name`.
    public func contains(_ name: SIPHeaderName) -> Bool { firstIndex(name) != nil }

    /// The index of the first line carrying `name`.
    func firstIndex(_ name: SIPHeaderName) -> Int? {
        for i in fields.indices where fields[i].name == name { return i }
        return nil
    }

    /// Appends a header line.
    public mutating func add(_ name: SIPHeaderName, _ value: String) {
        fields.append(store(name, value))
    }

    /// Inserts a header line before the first line of the same name (e.g. a new top Via), or
    /// at the start when there is none.
    public mutating func prepend(_ name: SIPHeaderName, _ value: String) {
        let index = firstIndex(name) ?? 0
        fields.insert(store(name, value), at: index)
    }

    /// Replaces every line of `name` with one line (or removes them all when `value` is nil).
    public mutating func set(_ name: SIPHeaderName, _ value: String?) {
        if let value, let first = firstIndex(name) {
            fields[first] = store(name, value)
            var index = fields.count - 1
            while index > first {
                if fields[index].name == name { fields.remove(at: index) }
                index -= 1
            }
        } else if let value {
            add(name, value)
        } else {
            remove(name)
        }
    }

    /// Removes every line of `name`.
    public mutating func remove(_ name: SIPHeaderName) { fields.removeAll { $0.name == name } }

    /// Removes the first value of a comma-list header (the top Via or Route), keeping the rest.
    /// - Returns: false when there was no such value.
    @discardableResult
    public mutating func removeFirstValue(_ name: SIPHeaderName) -> Bool {
        guard let index = firstIndex(name) else { return false }
        let value = Array(text(fields[index]).utf8)
        guard let comma = firstTopLevelComma(value) else {
            fields.remove(at: index)
            return true
        }
        // The rest after the first value's comma, as it was (a proxy removing its Via from a
        // combined header keeps the others byte for byte).
        var start = comma + 1
        while start < value.count, value[start] == ASCII.space || value[start] == ASCII.tab { start += 1 }
        fields[index] = store(name, String(decoding: value[start...], as: UTF8.self))
        return true
    }

    // MARK: Text

    func text(_ field: Field) -> String {
        let range = field.range
        guard field.folded else { return String(decoding: buffer[range], as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let c = buffer[i]
            if c == ASCII.cr || c == ASCII.lf {
                // CRLF (or LF) followed by white space: one space.
                while i < range.upperBound, buffer[i] == ASCII.cr || buffer[i] == ASCII.lf || ASCII.isWSP(buffer[i]) { i += 1 }
                if out.last != ASCII.space { out.append(ASCII.space) }
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs `body` with a scanner over the value of `field`.
    @inline(__always)
    func withScanner<T, E: Error>(_ field: Field, _ body: (inout ByteScanner) throws(E) -> T) throws(E) -> T {
        let range = field.range
        return try withBytes(buffer) { (bytes) throws(E) -> T in
            var scanner = ByteScanner(bytes, from: range.lowerBound, to: range.upperBound)
            return try body(&scanner)
        }
    }

    /// Parses every value of `name` (all lines, split at top-level commas) with `parse`.
    /// Empty list elements (`a,,b`) are errors.
    func parseList<T>(_ name: SIPHeaderName, _ parse: (inout ByteScanner) throws(SIPHeaderError) -> T)
        throws(SIPHeaderError) -> [T] {
        var result: [T] = []
        for index in fields.indices where fields[index].name == name {
            try withScanner(fields[index]) { (scanner) throws(SIPHeaderError) in
                while true {
                    result.append(try parse(&scanner))
                    scanner.skipLWS()
                    if scanner.isAtEnd { return }
                    guard scanner.consume(ASCII.comma) else {
                        throw SIPHeaderError("unexpected text in \(name): expected ',' between values")
                    }
                }
            }
        }
        return result
    }

    /// Parses the first value of `name` (the first element of its first line) with `parse`;
    /// nil when absent. The values after it are not read.
    func parseFirst<T>(_ name: SIPHeaderName, _ parse: (inout ByteScanner) throws(SIPHeaderError) -> T)
        throws(SIPHeaderError) -> T? {
        guard let index = fields.firstIndex(where: { $0.name == name }) else { return nil }
        return try withScanner(fields[index]) { (scanner) throws(SIPHeaderError) -> T in
            let value = try parse(&scanner)
            scanner.skipLWS()
            guard scanner.isAtEnd || scanner.consume(ASCII.comma) else {
                throw SIPHeaderError("unexpected text in \(name): expected ',' between values")
            }
            return value
        }
    }

    /// Parses the single value of `name`; nil when absent; an error when there are several.
    func parseSingle<T>(_ name: SIPHeaderName, _ parse: (inout ByteScanner) throws(SIPHeaderError) -> T)
        throws(SIPHeaderError) -> T? {
        var found: Int?
        for index in fields.indices where fields[index].name == name {
            guard found == nil else { throw SIPHeaderError("\(name) appears more than once") }
            found = index
        }
        guard let index = found else { return nil }
        return try parseValue(fields[index], parse)
    }

    /// Parses one field's value with `parse`, which must consume all of it.
    func parseValue<T>(_ field: Field, _ parse: (inout ByteScanner) throws(SIPHeaderError) -> T) throws(SIPHeaderError) -> T {
        try withScanner(field) { (scanner) throws(SIPHeaderError) -> T in
            let value = try parse(&scanner)
            scanner.skipLWS()
            guard scanner.isAtEnd else { throw SIPHeaderError("unexpected text after the \(field.name) value") }
            return value
        }
    }
}

// In an extension, so the memberwise initializer the parser uses is synthesized (see SIPURI).
extension SIPHeaders {
    /// No headers.
    public init() { self.init(buffer: [], fields: []) }
}

/// The index of the first comma outside quotes and angle brackets, if any.
func firstTopLevelComma(_ bytes: [UInt8]) -> Int? {
    var inQuotes = false, depth = 0, escaped = false
    for (index, byte) in bytes.enumerated() {
        if escaped {
            escaped = false
            continue
        }
        switch byte {
        case UInt8(ascii: "\\") where inQuotes: escaped = true
        case UInt8(ascii: "\""): inQuotes.toggle()
        case UInt8(ascii: "<") where !inQuotes: depth += 1
        case UInt8(ascii: ">") where !inQuotes: depth -= 1
        case UInt8(ascii: ",") where !inQuotes && depth == 0: return index
        default: break
        }
    }
    return nil
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
