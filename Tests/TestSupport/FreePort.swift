import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ports for tests, each confirmed free by the OS: a socket is bound to port 0 on 127.0.0.1, the
/// kernel's choice is read back and the socket closed. A number is never handed out twice in one
/// process, so two tests of one run cannot collide; a port another program took meanwhile fails
/// only that bind and the next candidate is tried.
public enum FreePort {
    /// The transports a port must be free on.
    public struct Protocols: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// UDP.
        public static let udp = Protocols(rawValue: 1)
        /// TCP (also what TLS listens on).
        public static let tcp = Protocols(rawValue: 2)
    }

    private static let handedOut = Mutex(Set<Int>())

    /// A port free on every protocol in `protocols`; with `pair`, `port` is even and `port + 1`
    /// is free too (RTP and RTCP, RFC 3550 §11).
    /// - Parameters:
    ///   - protocols: where the port must be free (UDP by default).
    ///   - pair: also reserve the next port.
    ///   - count: how many consecutive ports must be free (a SIP listener on UDP/TCP at P and TLS at P+1).
    public static func next(_ protocols: Protocols = .udp, pair: Bool = false, count: Int = 1) -> Int {
        let span = max(count, pair ? 2 : 1)
        for _ in 0..<1_000 {
            guard let candidate = bindAndRelease(udp: protocols.contains(.udp), port: 0) else {
                continue
            }
            let base = pair ? candidate & ~1 : candidate
            guard base + span - 1 <= 65_535 else { continue }
            let ports = Array(base..<(base + span))
            let fresh = handedOut.withLock { taken in
                guard ports.allSatisfy({ !taken.contains($0) }) else { return false }
                taken.formUnion(ports)
                return true
            }
            guard fresh else { continue }
            let free = ports.allSatisfy { port in
                (!protocols.contains(.udp) || bindAndRelease(udp: true, port: port) != nil)
                    && (!protocols.contains(.tcp) || bindAndRelease(udp: false, port: port) != nil)
            }
            if free { return base }
        }
        preconditionFailure("no free port found on 127.0.0.1 after 1,000 attempts")
    }

    /// Binds a UDP or TCP socket to 127.0.0.1:`port`, and returns the bound port, or nil.
    private static func bindAndRelease(udp: Bool, port: Int) -> Int? {
        let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard withUnsafeMutablePointer(to: &address, {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }) == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
