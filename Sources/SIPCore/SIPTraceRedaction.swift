/// Masks secrets in SIP messages before they are logged: the SDES master keys that SDP carries
/// after `inline:` in `a=crypto` lines (RFC 4568 §6.1). A `-v` trace shows the line and its
/// suite, never the key, so a log file cannot decrypt a recorded call.
public enum SIPTraceRedaction {
    /// What replaces each key.
    public static let mask = "[key not shown]"

    /// `text` with every `inline:` key (up to `|`, whitespace, `;` or the end of the line) masked.
    public static func masking(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let marker = Array("inline:".utf8)
        guard bytes.count >= marker.count else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if i + marker.count <= bytes.count, zip(bytes[i..<(i + marker.count)], marker).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) {
                out += bytes[i..<(i + marker.count)]
                i += marker.count
                var end = i
                while end < bytes.count, !Self.ends(bytes[end]) { end += 1 }
                if end > i { out += Array(mask.utf8) }
                i = end
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func ends(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "|") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
            || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }
}
