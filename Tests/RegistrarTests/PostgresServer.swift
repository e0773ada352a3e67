import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server (Debian `postgresql`) that a test starts on 127.0.0.1 at a free port, with
/// a fresh data folder and trust authentication for the user `callwire`; stopped by ``stop()``.
/// As root it runs as the `postgres` user (PostgreSQL refuses to run as root).
final class PostgresServer: @unchecked Sendable {
    let port: Int
    let directory: URL
    private let stopCommand: (String, [String])
    /// The URL for `--location-db`.
    var url: String { "postgresql://callwire@127.0.0.1:\(port)/postgres?sslmode=disable" }

    private init(port: Int, directory: URL, stop: (String, [String])) {
        self.port = port
        self.directory = directory
        stopCommand = stop
    }

    /// The folder holding `initdb` and `postgres`.
    static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.compactMap(Int.init).sorted() ?? []
        guard let version = versions.last, FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("\(version)/bin/postgres").path)
        else { throw ServerTestFailure("PostgreSQL is not installed; run `make deps` (Debian package postgresql)") }
        return root.appendingPathComponent("\(version)/bin")
    }

    static func start() async throws -> PostgresServer {
        let bin = try binaries()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("postgres-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        if asRoot {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres", .posixPermissions: 0o700], ofItemAtPath: directory.path)
        }
        func command(_ tool: String, _ arguments: [String]) throws -> (String, [String]) {
            let path = bin.appendingPathComponent(tool).path
            if asRoot { return (try tool_runuser(), ["-u", "postgres", "--", path] + arguments) }
            return (path, arguments)
        }
        let data = directory.appendingPathComponent("data").path
        let (initExecutable, initArguments) = try command("initdb", ["-D", data, "-U", "callwire", "--auth=trust", "-E", "UTF8", "--no-sync"])
        let initdb = try await spawn(initExecutable, initArguments)
        guard initdb.status == 0 else { throw ServerTestFailure("initdb failed (\(initdb.status)):\n\(initdb.output.suffix(2_000))") }
        let port = try freeTCPPort()
        // pg_ctl starts the server in the background and waits until it accepts connections.
        let options = "-p \(port) -h 127.0.0.1 -k \(directory.path) -c fsync=off -c synchronous_commit=off -c max_connections=50"
        let (executable, arguments) = try command("pg_ctl", ["start", "-D", data, "-w", "-t", "60", "-l", directory.appendingPathComponent("log").path,
                                                             "-o", options])
        let start = try await spawn(executable, arguments)
        guard start.status == 0 else { throw ServerTestFailure("pg_ctl start failed (\(start.status)):\n\(start.output.suffix(2_000))") }
        let (stopExecutable, stopArguments) = try command("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w"])
        return PostgresServer(port: port, directory: directory, stop: (stopExecutable, stopArguments))
    }

    /// Stops the server (`pg_ctl stop -m fast`) and removes its data.
    func stop() async {
        _ = try? await spawn(stopCommand.0, stopCommand.1)
        try? FileManager.default.removeItem(at: directory)
    }
}

private func tool_runuser() throws -> String { try tool("runuser", package: "util-linux") }

/// A TCP port the OS says is free now (bound to port 0 and read back, then released).
func freeTCPPort() throws -> Int {
    let (descriptor, port) = try boundLoopbackSocket(SOCK_STREAM)
    close(descriptor)
    return port
}

/// Runs a program to its end with posix_spawn and waitpid: status and output. (Foundation's
/// Process learns of an exit through a descriptor the child inherits, so it never sees the end of
/// a program whose daemon — pg_ctl's server — keeps that descriptor.)
func spawn(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID()).log").path
    return try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var pid: pid_t = 0
            let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
            guard result == 0 else {
                continuation.resume(throwing: ServerTestFailure("cannot start \(executable): error \(result)"))
                return
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: log)
            let exited = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            continuation.resume(returning: (exited, output))
        }
    }
}
