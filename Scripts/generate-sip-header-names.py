#!/usr/bin/env python3
"""Generates Sources/SIPCore/SIPHeaderName.swift from the table of known SIP header names.

The lookup packs a name's lower-cased bytes into three 64-bit words and compares them with
constants in a switch on the length: no hashing and no allocation on the parse path.
Run from the repository root after editing NAMES:  python3 Scripts/generate-sip-header-names.py
"""

# (canonical name, compact form) — RFC 3261 §7.3.3 and the IANA SIP header registry.
NAMES = [
    ('Via', 'v'),
    ('From', 'f'),
    ('To', 't'),
    ('Call-ID', 'i'),
    ('CSeq', None),
    ('Contact', 'm'),
    ('Max-Forwards', None),
    ('Route', None),
    ('Record-Route', None),
    ('Expires', None),
    ('Min-Expires', None),
    ('Content-Type', 'c'),
    ('Content-Length', 'l'),
    ('Content-Encoding', 'e'),
    ('Require', None),
    ('Supported', 'k'),
    ('Unsupported', None),
    ('Allow', None),
    ('Proxy-Require', None),
    ('WWW-Authenticate', None),
    ('Proxy-Authenticate', None),
    ('Authorization', None),
    ('Proxy-Authorization', None),
    ('Authentication-Info', None),
    ('Warning', None),
    ('Retry-After', None),
    ('User-Agent', None),
    ('Server', None),
    ('Subject', 's'),
    ('Accept', None),
    ('Accept-Encoding', None),
    ('Accept-Language', None),
    ('Date', None),
    ('Timestamp', None),
    ('Organization', None),
    ('Event', 'o'),
    ('Allow-Events', 'u'),
    ('Refer-To', 'r'),
    ('Referred-By', 'b'),
    ('Session-Expires', 'x'),
    ('Min-SE', None),
    ('RSeq', None),
    ('RAck', None),
    ('Reason', None),
    ('Path', None),
    ('Service-Route', None),
    ('Content-Disposition', None),
    ('Priority', None),
    ('Reply-To', None),
    ('In-Reply-To', None),
    ('Alert-Info', None),
    ('Call-Info', None),
    ('Error-Info', None),
    ('MIME-Version', None),
    ('Subscription-State', None),
    ('Accept-Contact', 'a'),
    ('Reject-Contact', 'j'),
    ('Request-Disposition', 'd'),
    ('Identity', 'y'),
    ('P-Asserted-Identity', None),
]

# Headers whose values may contain commas, so a line is never split into several values.
SINGLE_VALUED = ['WWW-Authenticate', 'Proxy-Authenticate', 'Authorization', 'Proxy-Authorization', 'Authentication-Info', 'Date', 'Subject', 'User-Agent', 'Server', 'Organization', 'Retry-After', 'Timestamp', 'Call-ID', 'CSeq', 'From', 'To', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Expires', 'Min-Expires', 'Reply-To', 'Refer-To', 'Referred-By', 'Session-Expires', 'Event', 'Subscription-State', 'RSeq', 'RAck']

SPECIAL_IDENTIFIERS = {"Call-ID": "callID", "CSeq": "cseq", "WWW-Authenticate": "wwwAuthenticate",
                       "MIME-Version": "mimeVersion", "RSeq": "rseq", "RAck": "rack", "Min-SE": "minSE",
                       "P-Asserted-Identity": "pAssertedIdentity"}

TEMPLATE = r"""/// A SIP header field name. Names compare case-insensitively (RFC 3261 §7.3.1) and compact
/// forms are normalized when parsed (`v` is ``via``, `i` is ``callID``, …).
///
/// Code outside the parser names headers with these constants, never with string literals:
/// `message.headers[.userAgent]`. A known name is just a small integer, so comparing and
/// copying names costs nothing; only unknown names carry their text.
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible {
    /// The index into the table of known names, or -1 for an unknown name.
    @usableFromInline let id: Int
    /// The spelling of an unknown name, as received.
    @usableFromInline let unknown: String?

    @inlinable
    init(id: Int) {
        self.id = id
        unknown = nil
    }

    /// A header name from text; compact forms and known names are normalized.
    public init(_ name: String) {
        let bytes = Array(name.utf8)
        let id = bytes.withUnsafeBufferPointer { Self.knownID($0, 0..<$0.count) }
        self.id = id
        unknown = id >= 0 ? nil : name
    }

    private init(unknown name: String) {
        id = -1
        unknown = name
    }

    /// The canonical spelling (`Call-ID`), or the spelling received for unknown headers.
    public var canonical: String { id >= 0 ? Self.canonicalNames[id] : unknown ?? "" }

    public static func == (lhs: SIPHeaderName, rhs: SIPHeaderName) -> Bool {
        if lhs.id >= 0 || rhs.id >= 0 { return lhs.id == rhs.id }
        return (lhs.unknown ?? "").caseInsensitiveEquals(rhs.unknown ?? "")
    }

    public func hash(into hasher: inout Hasher) {
        if id >= 0 { hasher.combine(id) } else { hasher.combine((unknown ?? "").lowercased()) }
    }

    public var description: String { canonical }

    /// Whether several values may share one header line separated by commas (RFC 3261 §7.3.1).
    /// Free-text and authentication headers are excluded: their values contain commas.
    public var allowsCommaList: Bool {
        switch id {
        case @SINGLES@: false
        default: true
        }
    }

    /// Parses a name from received bytes (compact forms and case normalized).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SIPHeaderName {
        let id = knownID(bytes, range)
        if id >= 0 { return SIPHeaderName(id: id) }
        return SIPHeaderName(unknown: String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
    }

    /// The id of the known name (any case, or compact) spelled by `range`, or -1. The lower-cased
    /// bytes are packed into three words and compared with constants: no hashing, no allocation.
    static func knownID(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        let count = range.count
        guard count > 0, count <= 24 else { return -1 }
        // Case-fold by OR-ing 0x20 into every byte: letters become lower case and no other
        // token character becomes a letter ('_' turns into DEL), so matches stay exact.
        var key: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &key) { raw in
            raw.baseAddress!.copyMemory(from: bytes.baseAddress! + range.lowerBound, byteCount: count)
        }
        let fold: (UInt64, UInt64, UInt64) = (
            count >= 8 ? ~0 : (1 << (UInt64(count) * 8)) - 1,
            count >= 16 ? ~0 : count <= 8 ? 0 : (1 << (UInt64(count - 8) * 8)) - 1,
            count <= 16 ? 0 : count >= 24 ? ~0 : (1 << (UInt64(count - 16) * 8)) - 1)
        key = (key.0 | (fold.0 & 0x2020_2020_2020_2020), key.1 | (fold.1 & 0x2020_2020_2020_2020),
               key.2 | (fold.2 & 0x2020_2020_2020_2020))
        switch count {
@LOOKUP@
        default: break
        }
        return -1
    }

    // Generated from the table of names; ids index `canonicalNames`.
    static let canonicalNames: [String] = [
@CANONICAL@,
    ]

@CONSTANTS@
}
"""


def words(spelling):
    b = spelling.lower().encode()
    b = b + bytes(24 - len(b))
    return [int.from_bytes(b[i * 8:(i + 1) * 8], "little") for i in range(3)]


def identifier(name):
    if name in SPECIAL_IDENTIFIERS:
        return SPECIAL_IDENTIFIERS[name]
    parts = name.split("-")
    return parts[0].lower() + "".join(p[:1].upper() + p[1:].lower() for p in parts[1:])


def generate():
    by_length = {}
    for index, (name, compact) in enumerate(NAMES):
        for spelling in [name] + ([compact] if compact else []):
            by_length.setdefault(len(spelling), []).append((spelling, index))
    cases = []
    for length in sorted(by_length):
        checks = []
        for spelling, index in by_length[length]:
            w = words(spelling)
            conditions = [f"key.0 == 0x{w[0]:016x}"]
            if length > 8:
                conditions.append(f"key.1 == 0x{w[1]:016x}")
            if length > 16:
                conditions.append(f"key.2 == 0x{w[2]:016x}")
            checks.append(f"            if {' && '.join(conditions)} {{ return {index} }}  // {spelling.lower()}")
        cases.append(f"        case {length}:\n" + "\n".join(checks))
    constants = []
    for index, (name, compact) in enumerate(NAMES):
        doc = f"    /// `{name}`" + (f" (compact `{compact}`)" if compact else "")
        constants.append(doc + f"\n    @inlinable public static var {identifier(name)}: SIPHeaderName {{ SIPHeaderName(id: {index}) }}")
    names = [n for n, _ in NAMES]
    return (TEMPLATE.replace("@SINGLES@", ", ".join(str(names.index(s)) for s in SINGLE_VALUED))
            .replace("@LOOKUP@", "\n".join(cases))
            .replace("@CANONICAL@", ",\n".join(f'        "{n}"' for n in names))
            .replace("@CONSTANTS@", "\n".join(constants)))


if __name__ == "__main__":
    with open("Sources/SIPCore/SIPHeaderName.swift", "w") as f:
        f.write(generate())
