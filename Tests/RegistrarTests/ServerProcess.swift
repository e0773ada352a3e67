import Foundation
import TestSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `callwire server` started on 127.0.0.1 at a free port, ready when it says so.
func startServer(_ arguments: [String]) async throws -> (PeerProcess, Int) {
    let port = try freeUDPPort()
    let server = try PeerProcess(try callwirePath(), ["server", "-l", "127.0.0.1:\(port)"] + arguments)
    try await server.waitFor("starting agent on 127.0.0.1:\(port)")
    return (server, port)
}

/// The repository's root (tests read only files inside it).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

