import GRDB

/// The data cache's persistent index (tables `cache_objects` and `cache_extents`, created by `Migrations`).
/// `DataCache` keeps the authoritative copy in memory and writes through here; every method is one transaction.
struct CacheIndex: Sendable {
    struct StoredObject {
        var id: Int64
        var source: String
        var path: String
        var version: String
        var lastUsed: Double
        var extents: [ExtentSet.Extent]
    }

    let database: DatabasePool

    func loadAll() throws -> [StoredObject] {
        try database.read { db in
            var objects: [Int64: StoredObject] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, source, path, version, lastUsed FROM cache_objects") {
                let id: Int64 = row[0]
                objects[id] = StoredObject(id: id, source: row[1], path: row[2], version: row[3], lastUsed: row[4],
                                           extents: [])
            }
            let rows = try Row.fetchCursor(db, sql: #"SELECT objectId, start, "end" FROM cache_extents"#)
            while let row = try rows.next() {
                let id: Int64 = row[0]
                let start: Int64 = row[1]
                let end: Int64 = row[2]
                guard start >= 0, end > start else { continue }
                objects[id]?.extents.append(ExtentSet.Extent(start: UInt64(start), end: UInt64(end)))
            }
            return objects.values.sorted { $0.id < $1.id }
        }
    }

    /// The largest object id ever given out (AUTOINCREMENT's counter), so ids named in memory before their row is
    /// written never repeat one a deleted object had (its sparse file may still be on its way out).
    func largestID() throws -> Int64 {
        try database.read { db in
            let counter = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'cache_objects'") ?? 0
            let largest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM cache_objects") ?? 0
            return max(counter, largest)
        }
    }

    /// Deletes the rows of objects dropped from memory, then writes each object's row (inserting it the first time:
    /// a new object gets its row only here, off the open path) and replaces its stored extents, in one transaction
    /// (deleting first, so a new object never trips the UNIQUE (source, path) constraint on an old one's row).
    func save(_ objects: [StoredObject], deleting ids: [Int64] = []) throws {
        if objects.isEmpty && ids.isEmpty { return }
        try database.write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM cache_extents WHERE objectId = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM cache_objects WHERE id = ?", arguments: [id])
            }
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO cache_objects (id, source, path, version, lastUsed) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET path = excluded.path, lastUsed = excluded.lastUsed
                """)
            let insert = try db.cachedStatement(
                sql: #"INSERT INTO cache_extents (objectId, start, "end") VALUES (?, ?, ?)"#)
            for object in objects {
                try upsert.execute(arguments: [object.id, object.source, object.path, object.version, object.lastUsed])
                try db.execute(sql: "DELETE FROM cache_extents WHERE objectId = ?", arguments: [object.id])
                for extent in object.extents {
                    try insert.execute(arguments: [object.id, Int64(extent.start), Int64(extent.end)])
                }
            }
        }
    }

    /// Deletes objects (with their extents) and then moves others to new paths, in one transaction, so a rename
    /// onto an existing object never trips the UNIQUE (source, path) constraint.
    func apply(deleting ids: [Int64], renaming moves: [(id: Int64, path: String)] = []) throws {
        if ids.isEmpty && moves.isEmpty { return }
        try database.write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM cache_extents WHERE objectId = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM cache_objects WHERE id = ?", arguments: [id])
            }
            for move in moves {
                try db.execute(sql: "UPDATE cache_objects SET path = ? WHERE id = ?", arguments: [move.path, move.id])
            }
        }
    }

    // MARK: - Pins (table `cache_pins`)

    func loadPins() throws -> [CacheKey: UInt64] {
        try database.read { db in
            var pins: [CacheKey: UInt64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source, path, size FROM cache_pins") {
                let size: Int64 = row[2]
                pins[CacheKey(source: row[0], path: row[1])] = UInt64(max(0, size))
            }
            return pins
        }
    }

    func savePin(_ key: CacheKey, size: UInt64) throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO cache_pins (source, path, size) VALUES (?, ?, ?)
                ON CONFLICT(source, path) DO UPDATE SET size = excluded.size
                """, arguments: [key.source, key.path, Int64(clamping: size)])
        }
    }

    /// Deletes the pins of `removed` and moves those of `moves` (old key, new path), in one transaction.
    func applyPins(removing removed: [CacheKey], moving moves: [(from: CacheKey, to: String)] = []) throws {
        if removed.isEmpty && moves.isEmpty { return }
        try database.write { db in
            for key in removed {
                try db.execute(sql: "DELETE FROM cache_pins WHERE source = ? AND path = ?", arguments: [key.source, key.path])
            }
            for move in moves {
                try db.execute(sql: "UPDATE cache_pins SET path = ? WHERE source = ? AND path = ?",
                               arguments: [move.to, move.from.source, move.from.path])
            }
        }
    }
}
