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

    /// Inserts a new object row and returns its id (which also names its sparse file).
    func insertObject(source: String, path: String, version: String, lastUsed: Double) throws -> Int64 {
        try database.write { db in
            try db.execute(sql: "INSERT INTO cache_objects (source, path, version, lastUsed) VALUES (?, ?, ?, ?)",
                           arguments: [source, path, version, lastUsed])
            return db.lastInsertedRowID
        }
    }

    func touch(id: Int64, lastUsed: Double) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE cache_objects SET lastUsed = ? WHERE id = ?", arguments: [lastUsed, id])
        }
    }

    /// Replaces the stored extents (and last-use time) of each given object.
    func saveExtents(_ objects: [(id: Int64, lastUsed: Double, extents: [ExtentSet.Extent])]) throws {
        if objects.isEmpty { return }
        try database.write { db in
            let insert = try db.cachedStatement(
                sql: #"INSERT INTO cache_extents (objectId, start, "end") VALUES (?, ?, ?)"#)
            for object in objects {
                try db.execute(sql: "UPDATE cache_objects SET lastUsed = ? WHERE id = ?",
                               arguments: [object.lastUsed, object.id])
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
}
