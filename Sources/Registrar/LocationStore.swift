import Foundation
import GRDB
import SIPCore

/// Where the registrar keeps bindings beyond its memory (`--location-db`). Expiry is Unix time,
/// so a restarted server (or another server on a shared store) reads what is still valid.
public protocol BindingStore: Sendable {
    /// The bindings not yet expired: address-of-record key, binding, expiry as Unix time.
    func load() -> [(aor: String, binding: LocationService.Binding, expiresAt: Double)]
    /// Replaces the stored bindings of one address of record (expiry as Unix time). Does not
    /// block the caller.
    func save(aor: String, bindings: [(binding: LocationService.Binding, expiresAt: Double)])
    /// Whether other servers write the same store, so a lookup must read it (``fetch(aor:completion:)``).
    var isShared: Bool { get }
    /// Reads the bindings of one address of record; `completion` runs on any thread.
    func fetch(aor: String, completion: @escaping @Sendable ([(binding: LocationService.Binding, expiresAt: Double)]) -> Void)
    /// Waits for pending writes (tests and shutdown).
    func flush()
}

extension BindingStore {
    /// A store only this server writes: memory is authoritative.
    public var isShared: Bool { false }
    /// Not shared: nothing to read.
    public func fetch(aor: String, completion: @escaping @Sendable ([(binding: LocationService.Binding, expiresAt: Double)]) -> Void) {
        completion([])
    }
}

/// Bindings kept in SQLite (`--location-db FILE`, through GRDB) so a restarted server loses no
/// registration. Each REGISTER rewrites its address of record's rows in one transaction, on a
/// queue of its own (never on a SIP event loop).
public final class LocationStore: BindingStore, @unchecked Sendable {
    private let database: DatabaseQueue
    private let queue = DispatchQueue(label: "callwire.location-store")

    /// Opens (or creates) the database.
    /// - Throws: ``ServerError`` naming the file.
    public init(path: String) throws(ServerError) {
        do {
            database = try DatabaseQueue(path: path)
            try database.write { db in
                try db.create(table: "binding", ifNotExists: true) { table in
                    table.column("aor", .text).notNull()
                    table.column("contact", .text).notNull()
                    table.column("expiresAt", .double).notNull()
                    table.column("q", .double).notNull()
                    table.column("callID", .text).notNull()
                    table.column("sequence", .integer).notNull()
                    table.primaryKey(["aor", "contact"])
                }
            }
        } catch {
            throw ServerError("cannot open the location database \(path): \(error)")
        }
    }

    public func load() -> [(aor: String, binding: LocationService.Binding, expiresAt: Double)] {
        let wall = Date().timeIntervalSince1970
        let rows = (try? database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM binding WHERE expiresAt > ?", arguments: [wall]) }) ?? []
        return rows.compactMap { row in
            guard let contact = try? NameAddress.parse(row["contact"] as String) else { return nil }
            let binding = LocationService.Binding(contact: contact, expires: 0, q: row["q"], callID: row["callID"],
                                                  sequence: UInt32(clamping: row["sequence"] as Int64))
            return (row["aor"], binding, row["expiresAt"])
        }
    }

    public func save(aor: String, bindings: [(binding: LocationService.Binding, expiresAt: Double)]) {
        queue.async { [database] in
            try? database.write { db in
                try db.execute(sql: "DELETE FROM binding WHERE aor = ?", arguments: [aor])
                for (binding, expiresAt) in bindings {
                    try db.execute(sql: "INSERT INTO binding (aor, contact, expiresAt, q, callID, sequence) VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [aor, binding.contact.description, expiresAt, binding.q, binding.callID,
                                               Int64(binding.sequence)])
                }
            }
        }
    }

    public func flush() { queue.sync {} }
}
