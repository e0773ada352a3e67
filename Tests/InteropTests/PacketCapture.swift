import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A capture of UDP on the loopback interface, as an eavesdropper would take it: a raw IPv4
/// socket (root, as the tests run) sees a copy of every UDP datagram delivered on 127.0.0.0/8;
/// those to or from the given ports are kept (at most 50,000).
final class PacketCapture: @unchecked Sendable {
    struct Datagram: Sendable {
        var source: Int, destination: Int
        var payload: [UInt8]
    }

    private let descriptor: Int32
    private let store: Store
    private let thread: Thread

    fileprivate final class Store: Sendable {
        let running = Atomic<Bool>(true)
        let finished = Atomic<Bool>(false)
        let datagrams = Mutex<[Datagram]>([])
    }

    /// Starts capturing datagrams whose source or destination port is in `ports`.
    init(ports: Set<Int>) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_UDP))
        guard descriptor >= 0 else {
            throw InteropFailure("cannot open a raw socket to capture UDP (\(String(cString: strerror(errno)))): the interop tests run as root")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var size: Int32 = 8 << 20
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        self.descriptor = descriptor
        let store = Store()
        self.store = store
        let reader = RawReader(descriptor: descriptor, ports: ports)
        thread = Thread { reader.run(into: store) }
        thread.start()
    }

    /// Stops capturing.
    func stop() {
        store.running.store(false, ordering: .relaxed)
        while !store.finished.load(ordering: .relaxed) { usleep(20_000) }
        close(descriptor)
    }

    /// What was captured.
    var datagrams: [Datagram] { store.datagrams.withLock { $0 } }

    fileprivate struct RawReader: @unchecked Sendable {
        let descriptor: Int32
        let ports: Set<Int>

        func run(into store: Store) {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while store.running.load(ordering: .relaxed) {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count >= 28 else { continue }
                // IPv4 header (its length in the low nibble, in 32-bit words), then UDP's 8 octets.
                let ip = Int(buffer[0] & 0x0F) * 4
                guard count >= ip + 8 else { continue }
                let source = Int(buffer[ip]) << 8 | Int(buffer[ip + 1]), destination = Int(buffer[ip + 2]) << 8 | Int(buffer[ip + 3])
                guard ports.contains(source) || ports.contains(destination) else { continue }
                let payload = Array(buffer[(ip + 8)..<count])
                store.datagrams.withLock { if $0.count < 50_000 { $0.append(Datagram(source: source, destination: destination, payload: payload)) } }
            }
            store.finished.store(true, ordering: .relaxed)
        }
    }
}

/// Whether an RTP datagram's payload is a pure tone of period `period` samples in G.711: each
/// octet repeats `period` octets later (a 1 kHz tone at 8 kHz has period 8). Ciphertext never
/// does; the clear payload of the test's tone always does.
func isClearTone(_ datagram: [UInt8], period: Int = 8) -> Bool {
    guard datagram.count >= 12 + 160, datagram[0] & 0xC0 == 0x80 else { return false }
    let payload = datagram[12..<(12 + 160)]
    let start = payload.startIndex
    let repeats = (0..<(160 - period)).filter { payload[start + $0] == payload[start + $0 + period] }.count
    return repeats >= (160 - period) * 9 / 10
}
