import RTP

/// libFuzzer entry point: the same bytes as an RTP packet, an RTCP compound packet and a
/// telephone-event payload. A parsed RTP packet must serialize back to bytes that parse to an
/// equal packet; a parsed RTCP compound must serialize to bytes that parse again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let packet = try? RTPPacket(parsing: bytes) {
        guard let again = try? RTPPacket(parsing: packet.bytes), again == packet else {
            fatalError("RTP round trip failed for \(bytes)")
        }
        let header = try? bytes.withUnsafeBytes { try RTPHeader(parsing: $0) }
        guard header?.payloadRange.count == packet.payload.count else { fatalError("header and packet disagree for \(bytes)") }
    }
    if let packets = try? RTCPCompound.parse(bytes) {
        guard (try? RTCPCompound.parse(RTCPCompound.serialize(packets))) != nil else {
            fatalError("RTCP re-serialization does not parse for \(bytes)")
        }
    }
    if let event = TelephoneEvent(payload: bytes) {
        var receiver = TelephoneEventReceiver()
        _ = receiver.receive(event, timestamp: UInt32(size))
    }
    var statistics = ReceptionStatistics()
    for chunk in stride(from: 0, to: size - 1, by: 2) {
        statistics.record(sequence: UInt16(bytes[chunk]) << 8 | UInt16(bytes[chunk + 1]), timestamp: UInt32(chunk), arrival: Int64(chunk))
    }
    _ = statistics.makeReport(ssrc: 1)
    return 0
}
