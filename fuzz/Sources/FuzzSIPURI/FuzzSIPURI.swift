import SIPCore

/// libFuzzer entry point: parse arbitrary text as a URI; a parsed URI must serialize to text
/// that parses to an equal URI.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSIPURI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let uri = try? SIPURI.parse(text) {
        guard let again = try? SIPURI.parse(uri.description), again.matches(uri) || !uri.scheme.isSIP else {
            fatalError("round trip failed for \(text.debugDescription) → \(uri.description.debugDescription)")
        }
        _ = uri.matches(uri)
    }
    return 0
}
