import SIPCore

/// libFuzzer entry point: frame, validate, read typed headers and re-serialize arbitrary bytes,
/// as a datagram and as a stream. Any crash or sanitizer report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSIPMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let message = try? SIPMessage(datagram: bytes) {
        _ = try? message.validate()
        _ = try? message.contacts
        _ = try? message.routes
        _ = try? message.recordRoutes
        _ = try? message.wwwAuthenticate
        _ = try? message.authorization
        _ = try? message.warnings
        _ = try? message.retryAfter
        _ = try? message.require
        if let again = try? SIPMessage(datagram: message.serialized()) { _ = try? again.validate() }
    }
    var stream = SIPStreamParser(maximumHeaderBytes: 8192, maximumBodyBytes: 8192)
    stream.append(bytes)
    while let message = try? stream.next() { _ = try? message.validate() }
    return 0
}
