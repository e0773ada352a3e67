import Foundation

/// Waiting for something to be ready, with a deadline, instead of sleeping a guessed time.
public enum Readiness {
    /// Polls `condition` until it holds.
    /// - Parameters:
    ///   - what: what is awaited, for the failure message.
    ///   - timeout: how long to wait at most; generous, since it costs nothing when things go well.
    ///   - poll: the pause between checks.
    /// - Throws: ``NotReady`` naming `what` when the deadline passes.
    public static func wait(for what: String, timeout: Duration = .seconds(30), poll: Duration = .milliseconds(20),
                            until condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw NotReady("\(what) was not ready after \(timeout)") }
            try await Task.sleep(for: poll)
        }
    }

    /// The blocking form of ``wait(for:timeout:poll:until:)``, for synchronous tests.
    public static func waitSync(for what: String, timeout: Duration = .seconds(30), poll: Duration = .milliseconds(20),
                                until condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try condition() { return }
            guard ContinuousClock.now < deadline else { throw NotReady("\(what) was not ready after \(timeout)") }
            Thread.sleep(forTimeInterval: Double(poll.components.attoseconds) / 1e18 + Double(poll.components.seconds))
        }
    }

    /// Waits until some process listens on `port` (a bound UDP socket, or a TCP socket in LISTEN),
    /// as the kernel reports it in `/proc/net`.
    public static func waitUntilListening(port: Int, tcp: Bool = false, timeout: Duration = .seconds(30)) async throws {
        try await wait(for: "a \(tcp ? "TCP" : "UDP") listener on port \(port)", timeout: timeout) {
            isListening(port: port, tcp: tcp)
        }
    }

    /// The blocking form of ``waitUntilListening(port:tcp:timeout:)``.
    public static func waitUntilListeningSync(port: Int, tcp: Bool = false, timeout: Duration = .seconds(30)) throws {
        try waitSync(for: "a \(tcp ? "TCP" : "UDP") listener on port \(port)", timeout: timeout) {
            isListening(port: port, tcp: tcp)
        }
    }

    /// Whether a socket is bound to `port` (UDP) or listening on it (TCP), IPv4 or IPv6.
    public static func isListening(port: Int, tcp: Bool) -> Bool {
        let hex = String(format: ":%04X", port)
        for table in tcp ? ["/proc/net/tcp", "/proc/net/tcp6"] : ["/proc/net/udp", "/proc/net/udp6"] {
            // Read to the end: /proc files report a size of 0, and a read sized by it stops early.
            guard let handle = FileHandle(forReadingAtPath: table) else { continue }
            let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            try? handle.close()
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[1].hasSuffix(hex) else { continue }
                if !tcp || fields[3] == "0A" { return true }   // 0A: TCP_LISTEN
            }
        }
        return false
    }
}

/// Something a test waited for did not become ready in time.
public struct NotReady: Error, CustomStringConvertible {
    public var description: String
    /// - Parameter description: what was awaited.
    public init(_ description: String) { self.description = description }
}
