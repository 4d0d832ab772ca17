import GRDB

/// Node metadata and directory listings.
///
/// A directory's listing is the set of node rows whose `parent` is that directory, plus a row in `listings`
/// saying when the whole set was fetched. A node added by `upsertNode` (a lookup, or a file created through the
/// mount) therefore appears in its parent's listing at once.
extension MetadataStore {
    /// Inserts or replaces one node. Its parent directory's listing, if any, now includes it.
    public func upsertNode(_ node: NodeRecord) throws {
        try StorePath.validate(node.path)
        let xattrs = try NodeRecord.encodeXattrs(node.xattrs)
        try database.write { db in
            try Self.insertNode(node, parent: StorePath.parent(of: node.path) ?? "", xattrs: xattrs, db: db)
        }
    }

    /// The stored node, or nil if none is known.
    public func node(source: String, path: String) throws -> NodeRecord? {
        try StorePath.validate(path)
        return try database.read { db in
            try Row.fetchOne(db, sql: "SELECT \(NodeRecord.selectColumns) FROM nodes WHERE source = ? AND path = ?",
                             arguments: [source, path]).map(NodeRecord.init(row:))
        }
    }

    /// Replaces the children of `directory` with `entries` and records the listing time, in one transaction.
    ///
    /// Children that disappeared (or stopped being directories) lose their whole cached subtree, so no orphan
    /// rows outlive their parent. Children that are still directories keep their own listings.
    public func saveListing(source: String, directory: String, entries: [NodeRecord], fetchedAt: Double) throws {
        try StorePath.validate(directory)
        var encoded: [(NodeRecord, String?)] = []
        encoded.reserveCapacity(entries.count)
        var stillDirectories = Set<String>()
        for entry in entries {
            try StorePath.validate(entry.path)
            guard entry.source == source, StorePath.parent(of: entry.path) == directory else {
                throw StoreError.entryOutsideDirectory(entry: entry.path, directory: directory)
            }
            if entry.isDirectory { stillDirectories.insert(entry.path) }
            encoded.append((entry, try NodeRecord.encodeXattrs(entry.xattrs)))
        }
        try database.write { db in
            let oldDirectories = try String.fetchAll(
                db, sql: "SELECT path FROM nodes WHERE source = ? AND parent = ? AND isDirectory = 1",
                arguments: [source, directory])
            for old in oldDirectories where !stillDirectories.contains(old) {
                try Self.deleteDescendants(source: source, of: old, db: db)
                try db.execute(sql: "DELETE FROM listings WHERE source = ? AND path = ?", arguments: [source, old])
            }
            try db.execute(sql: "DELETE FROM nodes WHERE source = ? AND parent = ?", arguments: [source, directory])
            for (entry, xattrs) in encoded {
                try Self.insertNode(entry, parent: directory, xattrs: xattrs, db: db)
            }
            try db.execute(sql: "INSERT OR REPLACE INTO listings (source, path, fetchedAt) VALUES (?, ?, ?)",
                           arguments: [source, directory, fetchedAt])
        }
    }

    /// The children of `directory` sorted by path, with the time the listing was fetched; nil if the directory
    /// was never listed (or its listing was dropped). A `fetchedAt` of 0 marks a listing known to be stale.
    public func listing(source: String, directory: String) throws -> (fetchedAt: Double, entries: [NodeRecord])? {
        try StorePath.validate(directory)
        return try database.read { db in
            guard let fetchedAt = try Double.fetchOne(
                db, sql: "SELECT fetchedAt FROM listings WHERE source = ? AND path = ?",
                arguments: [source, directory])
            else { return nil }
            var entries: [NodeRecord] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT \(NodeRecord.selectColumns) FROM nodes WHERE source = ? AND parent = ? ORDER BY path",
                arguments: [source, directory])
            while let row = try rows.next() { entries.append(try NodeRecord(row: row)) }
            return (fetchedAt, entries)
        }
    }

    /// Forgets a node that no longer exists: the node, its subtree, their listings; the parent's listing is marked
    /// stale (fetchedAt 0) so the next `ls` asks the service again.
    public func removeNode(source: String, path: String) throws {
        try StorePath.validate(path)
        try database.write { db in
            try Self.deleteSubtree(source: source, at: path, db: db)
            if let parent = StorePath.parent(of: path) {
                try Self.markListingStale(source: source, directory: parent, db: db)
            }
        }
    }

    /// Drops cached metadata for a subtree (the user's "refresh"): every listing in it and every node below it.
    /// The node itself is kept but marked stale (fetchedAt 0), so its parent's listing stays complete while the
    /// node's attributes are refetched before being trusted.
    public func invalidate(source: String, path: String) throws {
        try StorePath.validate(path)
        try database.write { db in
            try Self.deleteDescendants(source: source, of: path, db: db)
            try db.execute(sql: "DELETE FROM listings WHERE source = ? AND path = ?", arguments: [source, path])
            try db.execute(sql: "UPDATE nodes SET fetchedAt = 0 WHERE source = ? AND path = ?",
                           arguments: [source, path])
        }
    }

    /// Moves a node and its subtree (rows and listings) from `from` to `to`, replacing whatever was cached at `to`
    /// (as POSIX rename replaces the destination). Listings of both parents stay valid: the node simply changes
    /// parent. Throws `invalidRename` for the root or when one path contains the other.
    public func renameSubtree(source: String, from: String, to: String) throws {
        try StorePath.validate(from)
        try StorePath.validate(to)
        if from == to { return }
        guard let toParent = StorePath.parent(of: to), from != "/",
              !StorePath.isSelfOrDescendant(to, of: from), !StorePath.isSelfOrDescendant(from, of: to)
        else { throw StoreError.invalidRename(from: from, to: to) }

        let (lower, upper) = StorePath.descendantBounds(of: from)
        try database.write { db in
            try Self.deleteSubtree(source: source, at: to, db: db)
            try db.execute(sql: "UPDATE nodes SET path = ?, parent = ? WHERE source = ? AND path = ?",
                           arguments: [to, toParent, source, from])
            // substr/length count characters on both sides, so the suffix arithmetic is consistent.
            try db.execute(sql: """
                UPDATE nodes SET path = :to || substr(path, length(:from) + 1),
                                 parent = :to || substr(parent, length(:from) + 1)
                WHERE source = :source AND path > :lower AND path < :upper
                """, arguments: ["to": to, "from": from, "source": source, "lower": lower, "upper": upper])
            try db.execute(sql: "UPDATE listings SET path = ? WHERE source = ? AND path = ?",
                           arguments: [to, source, from])
            try db.execute(sql: """
                UPDATE listings SET path = :to || substr(path, length(:from) + 1)
                WHERE source = :source AND path > :lower AND path < :upper
                """, arguments: ["to": to, "from": from, "source": source, "lower": lower, "upper": upper])
        }
    }

    // MARK: - Statements shared by the methods above (always inside a write transaction)

    private static func insertNode(_ node: NodeRecord, parent: String, xattrs: String?, db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO nodes
                (source, path, parent, isDirectory, size, mtime, permissions, xattrs, fetchedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [node.source, node.path, parent, node.isDirectory, node.size, node.mtime,
                                          node.permissions, xattrs, node.fetchedAt])
    }

    /// Deletes the rows and listings strictly below `path`.
    private static func deleteDescendants(source: String, of path: String, db: Database) throws {
        let (lower, upper) = StorePath.descendantBounds(of: path)
        try db.execute(sql: "DELETE FROM nodes WHERE source = ? AND path > ? AND path < ?",
                       arguments: [source, lower, upper])
        try db.execute(sql: "DELETE FROM listings WHERE source = ? AND path > ? AND path < ?",
                       arguments: [source, lower, upper])
    }

    /// Deletes `path`'s row and listing and everything below it.
    private static func deleteSubtree(source: String, at path: String, db: Database) throws {
        try deleteDescendants(source: source, of: path, db: db)
        try db.execute(sql: "DELETE FROM nodes WHERE source = ? AND path = ?", arguments: [source, path])
        try db.execute(sql: "DELETE FROM listings WHERE source = ? AND path = ?", arguments: [source, path])
    }

    private static func markListingStale(source: String, directory: String, db: Database) throws {
        try db.execute(sql: "UPDATE listings SET fetchedAt = 0 WHERE source = ? AND path = ?",
                       arguments: [source, directory])
    }
}
