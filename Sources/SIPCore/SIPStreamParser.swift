/// Frames messages from a byte stream (TCP, TLS): partial and coalesced input, Content-Length
/// framing, size limits (RFC 3261 §18.3).
///
/// ```
/// var parser = SIPStreamParser()
/// parser.append(bytesFromSocket)
/// while let message = try parser.next() { handle(message) }
/// ```
/// Leading CRLFs (keep-alives, RFC 5626 §4.4.1) are skipped. A parse error is unrecoverable for
/// the stream (the framing is lost): close the connection.
public struct SIPStreamParser: Sendable {
    /// The largest header section accepted.
    public var maximumHeaderBytes: Int
    /// The largest body accepted.
    public var maximumBodyBytes: Int
    private var buffer: [UInt8] = []

    /// Creates a parser with size limits.
    public init(maximumHeaderBytes: Int = 65_536, maximumBodyBytes: Int = 1 << 20) {
        self.maximumHeaderBytes = maximumHeaderBytes
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Bytes received and not yet framed.
    public var bufferedByteCount: Int { buffer.count }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// What a stream carries between messages: a message, or an RFC 5626 keep-alive.
    public enum Item: Sendable {
        /// A complete SIP message.
        case message(SIPMessage)
        /// A double CRLF at a message boundary: a keep-alive ping, to be answered with a pong
        /// (RFC 5626 §3.5.1, §4.4.1).
        case ping
        /// A single CRLF at a message boundary: the pong answering our ping.
        case pong
    }

    /// The next message or keep-alive, or nil when more bytes are needed. At a message boundary
    /// CRLFCRLF is a ping and a lone CRLF a pong (RFC 5626 §4.4.1); a ping split across two
    /// reads looks like two pongs, which only costs a spurious "flow is alive".
    /// - Throws: ``SIPParseError``; the stream cannot be resynchronized after one.
    public mutating func nextItem() throws(SIPParseError) -> Item? {
        if buffer.count >= 2, buffer[0] == ASCII.cr, buffer[1] == ASCII.lf {
            if buffer.count >= 4, buffer[2] == ASCII.cr, buffer[3] == ASCII.lf {
                buffer.removeFirst(4)
                return .ping
            }
            if buffer.count == 3, buffer[2] == ASCII.cr { return nil }   // a ping's second CRLF may follow
            buffer.removeFirst(2)
            return .pong
        }
        return try next().map(Item.message)
    }

    /// The next complete message, or nil when more bytes are needed.
    /// - Throws: ``SIPParseError``; the stream cannot be resynchronized after one.
    public mutating func next() throws(SIPParseError) -> SIPMessage? {
        var start = 0
        while start < buffer.count, buffer[start] == ASCII.cr || buffer[start] == ASCII.lf { start += 1 }
        if start > 0 { buffer.removeFirst(start) }
        guard let headerEnd = Self.headerEnd(buffer) else {
            if buffer.count > maximumHeaderBytes {
                throw SIPParseError(.tooLarge, "no end of the header section within \(maximumHeaderBytes) bytes", isRequest: nil)
            }
            return nil
        }
        guard headerEnd <= maximumHeaderBytes else {
            throw SIPParseError(.tooLarge, "header section of \(headerEnd) bytes exceeds \(maximumHeaderBytes)", isRequest: nil)
        }
        guard let framed = try SIPMessage.frame(buffer, start: 0, datagram: false, maximumBody: maximumBodyBytes) else {
            return nil  // the body has not fully arrived yet
        }
        var message = framed.message
        // Keep only this message's bytes alive (not the rest of the stream buffer).
        message.headers.buffer = Array(buffer[0..<framed.end])
        buffer.removeFirst(framed.end)
        return message
    }

    /// The index just past the empty line ending the header section, if present.
    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            if bytes[i] == ASCII.lf {
                if i + 1 < bytes.count, bytes[i + 1] == ASCII.lf { return i + 2 }
                if i + 2 < bytes.count, bytes[i + 1] == ASCII.cr, bytes[i + 2] == ASCII.lf { return i + 3 }
            }
            i += 1
        }
        return nil
    }
}
