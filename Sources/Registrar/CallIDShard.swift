/// Which worker a message belongs to: a hash (FNV-1a) of its Call-ID, read straight from the
/// datagram's bytes before it is parsed, so the receiving loop does almost nothing and the
/// parsing happens on the worker. Every message of a call — the INVITE, its retransmissions,
/// CANCEL, ACK, the responses, the BYE — has the same Call-ID and so the same worker.
enum CallIDShard {
    /// The worker (0..<count) for a datagram; 0 when it has no Call-ID (it will not parse).
    static func shard(datagram bytes: [UInt8], count: Int) -> Int {
        guard count > 1, let hash = hash(datagram: bytes) else { return 0 }
        return Int(hash % UInt64(count))
    }

    /// The worker for a Call-ID value.
    static func shard(callID: String, count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hash = offset
        for byte in callID.utf8 { hash = (hash ^ UInt64(byte)) &* prime }
        return Int(hash % UInt64(count))
    }

    private static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The FNV-1a hash of the Call-ID (or compact `i`) header's value, trimmed.
    static func hash(datagram bytes: [UInt8]) -> UInt64? {
        bytes.withUnsafeBufferPointer { buffer -> UInt64? in
            let count = buffer.count
            var index = 0
            // Skip the start line.
            while index < count && buffer[index] != 0x0A { index += 1 }
            index += 1
            while index < count {
                let lineStart = index
                // An empty line ends the headers.
                if buffer[index] == 0x0D || buffer[index] == 0x0A { return nil }
                var nameEnd = lineStart
                while nameEnd < count, buffer[nameEnd] != 0x3A, buffer[nameEnd] != 0x0A { nameEnd += 1 }
                var trimmed = nameEnd
                while trimmed > lineStart, buffer[trimmed - 1] == 0x20 || buffer[trimmed - 1] == 0x09 { trimmed -= 1 }
                if nameEnd < count, buffer[nameEnd] == 0x3A, isCallID(buffer, lineStart, trimmed) {
                    var start = nameEnd + 1
                    while start < count, buffer[start] == 0x20 || buffer[start] == 0x09 { start += 1 }
                    var end = start
                    while end < count, buffer[end] != 0x0D, buffer[end] != 0x0A { end += 1 }
                    while end > start, buffer[end - 1] == 0x20 || buffer[end - 1] == 0x09 { end -= 1 }
                    var hash = offset
                    for position in start..<end { hash = (hash ^ UInt64(buffer[position])) &* prime }
                    return hash
                }
                index = nameEnd
                while index < count && buffer[index] != 0x0A { index += 1 }
                index += 1
            }
            return nil
        }
    }

    /// Whether bytes `start..<end` are `Call-ID` or `i`, in any case.
    private static func isCallID(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        if end - start == 1 { return buffer[start] | 0x20 == 0x69 }
        guard end - start == 7 else { return false }
        let name: [UInt8] = [0x63, 0x61, 0x6C, 0x6C, 0x2D, 0x69, 0x64]   // call-id
        for offset in 0..<7 where buffer[start + offset] | 0x20 != name[offset] { return false }
        return true
    }
}
