import Foundation
import Logging
import PostgresNIO
import SIPCore
import Synchronization

/// Bindings in PostgreSQL (`--location-db postgresql://user:password@host:port/database`), so
/// several `callwire server` processes — behind DNS SRV, or behind Kamailio's dispatcher — share
/// registrations: a user registered through one is reached through another, and a server that
/// dies takes no binding with it.
///
/// Every lookup reads the database (the server's memory is a cache refreshed by each read), and
/// a REGISTER refreshes its address of record before changing it. Writes go through one writer
/// task in order, off the SIP loops; rows that expired are deleted by that task once a minute
/// (an index on the expiry keeps that proportional to what expired). Two servers changing the
/// same address of record at the same instant: the last write wins.
///
/// The tasks it starts (the client's connection pool, the writer, the readers) belong to the
/// store and end with ``close()``.
public final class PostgresLocationStore: BindingStore, Sendable {
    private enum Write: Sendable {
        case replace(aor: String, bindings: [(binding: LocationService.Binding, expiresAt: Double)])
    }

    private struct Read: Sendable {
        let aor: String
        let completion: @Sendable ([(binding: LocationService.Binding, expiresAt: Double)]) -> Void
    }

    private let client: PostgresClient
    private let tasks: Mutex<[Task<Void, Never>]>
    private let writes: AsyncStream<Write>.Continuation
    private let reads: AsyncStream<Read>.Continuation
    private let pending = Atomic<Int>(0)
    private let logger = Logger(label: "callwire.location-db")
    /// What to print in errors: the URL without its password.
    public let description: String

    public var isShared: Bool { true }

    private init(client: PostgresClient, description: String) {
        self.client = client
        self.description = description
        // Bounded queues: past 100,000 waiting writes or reads, new ones are refused (a write is
        // logged and lost, a read finds no binding) rather than memory growing.
        let (writeStream, writes) = AsyncStream.makeStream(of: Write.self, bufferingPolicy: .bufferingOldest(100_000))
        let (readStream, reads) = AsyncStream.makeStream(of: Read.self, bufferingPolicy: .bufferingOldest(100_000))
        self.writes = writes
        self.reads = reads
        tasks = Mutex([])
        let run = Task { await client.run() }
        let writer = Task { [self] in await write(writeStream) }
        let reader = Task { [self] in await read(readStream) }
        tasks.withLock { $0 = [run, writer, reader] }
    }

    /// Connects, creates the table if it is missing, and starts the store's tasks.
    /// - Throws: ``ServerError`` naming the URL (without the password) and what failed.
    public static func connect(url: String) async throws(ServerError) -> PostgresLocationStore {
        let configuration = try parse(url)
        let store = PostgresLocationStore(client: PostgresClient(configuration: configuration.client, backgroundLogger: Logger(label: "callwire.location-db")),
                                          description: configuration.description)
        do {
            // The pool retries a refused connection for ever: give the first contact 10 s.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.createTable() }
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    throw ServerError("no answer within 10 s")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await store.close()
            throw ServerError("cannot use the location database \(configuration.description): \(String(reflecting: error))")
        }
        return store
    }

    private func createTable() async throws {
        let statements: [PostgresQuery] = [
            """
            CREATE TABLE IF NOT EXISTS callwire_binding (
                aor TEXT NOT NULL, contact TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL, q DOUBLE PRECISION NOT NULL,
                call_id TEXT NOT NULL, sequence BIGINT NOT NULL, PRIMARY KEY (aor, contact))
            """,
            "CREATE INDEX IF NOT EXISTS callwire_binding_expiry ON callwire_binding (expires_at)",
        ]
        for statement in statements {
            // Two servers starting together can race on CREATE … IF NOT EXISTS: try again once.
            do {
                try await client.query(statement, logger: logger)
            } catch {
                try await Task.sleep(for: .milliseconds(200))
                try await client.query(statement, logger: logger)
            }
        }
    }

    /// Nothing is loaded at start: every lookup reads the database.
    public func load() -> [(aor: String, binding: LocationService.Binding, expiresAt: Double)] { [] }

    public func save(aor: String, bindings: [(binding: LocationService.Binding, expiresAt: Double)]) {
        pending.add(1, ordering: .relaxed)
        if case .dropped = writes.yield(.replace(aor: aor, bindings: bindings)) {
            pending.add(-1, ordering: .relaxed)
            logger.warning("the write queue to \(description) is full: the bindings of \(aor) are not stored")
        }
    }

    public func fetch(aor: String, completion: @escaping @Sendable ([(binding: LocationService.Binding, expiresAt: Double)]) -> Void) {
        if case .dropped = reads.yield(Read(aor: aor, completion: completion)) { completion([]) }
    }

    /// Waits (up to 10 s) until every write queued so far is in the database.
    public func flush() {
        let deadline = Date().addingTimeInterval(10)
        while pending.load(ordering: .relaxed) > 0 && Date() < deadline { usleep(2_000) }
    }

    /// Finishes the queued writes, then stops the store's tasks and closes the connections.
    public func close() async {
        writes.finish()
        reads.finish()
        let running = tasks.withLock { $0 }
        if running.count == 3 {
            await running[1].value
            await running[2].value
        }
        for task in running { task.cancel() }
    }

    private func write(_ stream: AsyncStream<Write>) async {
        var lastCleanup = Date()
        for await write in stream {
            switch write {
            case .replace(let aor, let bindings):
                do {
                    try await client.withTransaction(logger: logger) { connection in
                        try await connection.query("DELETE FROM callwire_binding WHERE aor = \(aor)", logger: logger)
                        for (binding, expiresAt) in bindings {
                            let contact = binding.contact.description, callID = binding.callID, sequence = Int64(binding.sequence)
                            let q = binding.q
                            try await connection.query("""
                                INSERT INTO callwire_binding (aor, contact, expires_at, q, call_id, sequence)
                                VALUES (\(aor), \(contact), \(expiresAt), \(q), \(callID), \(sequence))
                                """, logger: logger)
                        }
                    }
                } catch {
                    logger.warning("cannot store the bindings of \(aor) in \(description): \(String(reflecting: error))")
                }
            }
            pending.add(-1, ordering: .relaxed)
            if Date().timeIntervalSince(lastCleanup) > 60 {
                lastCleanup = Date()
                let wall = Date().timeIntervalSince1970
                _ = try? await client.query("DELETE FROM callwire_binding WHERE expires_at < \(wall)", logger: logger)
            }
        }
    }

    private func read(_ stream: AsyncStream<Read>) async {
        await withDiscardingTaskGroup { group in
            for await request in stream {
                group.addTask { [self] in
                    let wall = Date().timeIntervalSince1970
                    var found: [(binding: LocationService.Binding, expiresAt: Double)] = []
                    do {
                        let rows = try await client.query("""
                            SELECT contact, expires_at, q, call_id, sequence FROM callwire_binding
                            WHERE aor = \(request.aor) AND expires_at > \(wall)
                            """, logger: logger)
                        for try await (contact, expiresAt, q, callID, sequence) in rows.decode((String, Double, Double, String, Int64).self) {
                            guard let address = try? NameAddress.parse(contact) else { continue }
                            found.append((LocationService.Binding(contact: address, expires: 0, q: q, callID: callID,
                                                                  sequence: UInt32(clamping: sequence)), expiresAt))
                        }
                    } catch {
                        logger.warning("cannot read the bindings of \(request.aor) from \(description): \(String(reflecting: error))")
                    }
                    request.completion(found)
                }
            }
        }
    }

    struct Configuration {
        var client: PostgresClient.Configuration
        var description: String
    }

    /// `postgresql://user[:password]@host[:port][/database][?sslmode=disable|prefer|require]`.
    static func parse(_ url: String) throws(ServerError) -> Configuration {
        guard let components = URLComponents(string: url), ["postgresql", "postgres"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty else {
            throw ServerError("--location-db: expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE, got '\(redacted(url))'")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let tls: PostgresClient.Configuration.TLS
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        case let other: throw ServerError("--location-db: sslmode must be disable, prefer or require, not '\(other)'")
        }
        let hostName = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        var configuration = PostgresClient.Configuration(host: hostName, port: components.port ?? 5432, username: user,
                                                         password: components.password, database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = 8
        return Configuration(client: configuration, description: redacted(url))
    }

    /// The URL with its password replaced by `***`.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}

extension PostgresLocationStore: CustomStringConvertible {}
