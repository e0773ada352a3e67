import Foundation
import GRDB
import SIPCore

/// Bindings kept in SQLite (`--location-db FILE`, through GRDB) so a restarted server loses no
/// registration. Expiry is stored as Unix time; each REGISTER rewrites its address of record's
/// rows in one transaction, on a queue of its own (never on the SIP event loop).
public final class LocationStore: @unchecked Sendable {
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

    /// The bindings that have not expired, with their expiry as seconds from now.
    public func load() -> [(aor: String, binding: LocationService.Binding, remaining: Double)] {
        let wall = Date().timeIntervalSince1970
        let rows = (try? database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM binding WHERE expiresAt > ?", arguments: [wall]) }) ?? []
        return rows.compactMap { row in
            guard let contact = try? NameAddress.parse(row["contact"] as String) else { return nil }
            let binding = LocationService.Binding(contact: contact, expires: 0, q: row["q"], callID: row["callID"],
                                                  sequence: UInt32(clamping: row["sequence"] as Int64))
            return (row["aor"], binding, (row["expiresAt"] as Double) - wall)
        }
    }

    /// Replaces the stored bindings of one address of record.
    /// - Parameter bindings: each with the seconds it has left.
    public func save(aor: String, bindings: [(binding: LocationService.Binding, remaining: Double)]) {
        let wall = Date().timeIntervalSince1970
        queue.async { [database] in
            try? database.write { db in
                try db.execute(sql: "DELETE FROM binding WHERE aor = ?", arguments: [aor])
                for (binding, remaining) in bindings {
                    try db.execute(sql: "INSERT INTO binding (aor, contact, expiresAt, q, callID, sequence) VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [aor, binding.contact.description, wall + remaining, binding.q, binding.callID,
                                               Int64(binding.sequence)])
                }
            }
        }
    }

    /// Waits for pending writes (for tests and shutdown).
    public func flush() { queue.sync {} }
}
