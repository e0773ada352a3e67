import Foundation
import Synchronization
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A man in the middle for SIP over UDP on 127.0.0.1: forwards datagrams between a client and
/// `target`, changing one octet of every `a=fingerprint:sha-256` it carries towards the target
/// (the same length, so Content-Length still holds). A DTLS-SRTP endpoint must refuse the
/// media then: the certificate it meets is not the one the SDP promised.
final class TamperingRelay: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32
    private let target: sockaddr_in
    private let flags: Flags
    private let thread: Thread

    private final class Flags: Sendable {
        let running = Atomic<Bool>(true)
        let tampered = Atomic<Int>(0)
    }

    /// How many fingerprints were changed.
    var tampered: Int { flags.tampered.load(ordering: .relaxed) }

    init(to targetPort: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        let port = FreePort.next(.udp)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = in_port_t(UInt16(port).bigEndian)
        local.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw InteropFailure("the relay cannot bind 127.0.0.1:\(port)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.descriptor = descriptor
        self.port = port
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(targetPort).bigEndian)
        target.sin_addr.s_addr = inet_addr("127.0.0.1")
        self.target = target
        let context = RelayLoop(descriptor: descriptor, target: target)
        let flags = Flags()
        self.flags = flags
        thread = Thread {
            context.run(while: { flags.running.load(ordering: .relaxed) }, tampered: { flags.tampered.add(1, ordering: .relaxed) })
        }
        thread.start()
    }

    /// Stops relaying and closes the socket.
    func stop() {
        flags.running.store(false, ordering: .relaxed)
        usleep(200_000)
        close(descriptor)
    }

    /// `text` with the first hex digit of its `a=fingerprint` changed (hash names in any case).
    static func tamper(_ text: String) -> (String, Bool) {
        guard let attribute = text.range(of: "a=fingerprint:", options: .caseInsensitive),
              let space = text[attribute.upperBound...].firstIndex(of: " ") else { return (text, false) }
        let digit = text.index(after: space)
        guard digit < text.endIndex, text[digit].isHexDigit else { return (text, false) }
        var result = text
        result.replaceSubrange(digit...digit, with: text[digit] == "0" ? "1" : "0")
        return (result, true)
    }
}

/// The relay's loop, on its own thread.
private struct RelayLoop: @unchecked Sendable {
    let descriptor: Int32
    let target: sockaddr_in

    func run(while running: () -> Bool, tampered: () -> Void) {
        var client: sockaddr_in?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while running() {
            var from = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, &buffer, buffer.count, 0, $0, &length) }
            }
            guard count > 0 else { continue }
            let fromTarget = from.sin_port == target.sin_port && from.sin_addr.s_addr == target.sin_addr.s_addr
            var bytes = Array(buffer[0..<count])
            var destination: sockaddr_in
            if fromTarget {
                guard let client else { continue }
                destination = client
            } else {
                client = from
                destination = target
                let (text, changed) = TamperingRelay.tamper(String(decoding: bytes, as: UTF8.self))
                if changed {
                    bytes = Array(text.utf8)
                    tampered()
                }
            }
            _ = withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }
}
