import SDP

/// libFuzzer entry point: parse arbitrary bytes as SDP; what parses must serialize to text
/// that parses to the same description, and offer/answer must not trap on it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSDP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let session = try? SessionDescription(parsing: bytes) else { return 0 }
    guard let again = try? SessionDescription(parsing: session.text), again == session else {
        fatalError("round trip failed for \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    var answerer = OfferAnswer(options: MediaOptions(codecs: [.pcmu, .pcma, .speexWideband], address: "127.0.0.1", port: 4_000),
                               sessionID: 1)
    _ = try? answerer.makeAnswer(to: session)
    _ = try? answerer.acceptAnswer(session)
    return 0
}
