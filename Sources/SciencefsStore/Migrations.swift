import GRDB

/// Every schema change of the store, in order. Names are permanent once shipped: add new migrations at the end,
/// never edit one that has run on a user's machine.
enum Migrations {
    static let nodesAndListings = "v1-nodes-and-listings"
    static let uploadJournal = "v1-upload-journal"
    static let dataCache = "v1-data-cache"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration(nodesAndListings) { db in
            // `parent` is stored (not derived) so a directory's children are one index range scan.
            try db.execute(sql: """
                CREATE TABLE nodes (
                    source TEXT NOT NULL,
                    path TEXT NOT NULL,
                    parent TEXT NOT NULL,
                    isDirectory INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    mtime REAL NOT NULL,
                    permissions INTEGER NOT NULL,
                    xattrs TEXT,
                    fetchedAt REAL NOT NULL,
                    PRIMARY KEY (source, path)
                ) WITHOUT ROWID;
                CREATE INDEX nodes_by_parent ON nodes (source, parent, path);
                CREATE TABLE listings (
                    source TEXT NOT NULL,
                    path TEXT NOT NULL,
                    fetchedAt REAL NOT NULL,
                    PRIMARY KEY (source, path)
                ) WITHOUT ROWID;
                """)
        }

        migrator.registerMigration(uploadJournal) { db in
            try db.execute(sql: """
                CREATE TABLE uploads (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    source TEXT NOT NULL,
                    path TEXT NOT NULL,
                    stagingFile TEXT NOT NULL,
                    state TEXT NOT NULL,
                    error TEXT,
                    createdAt REAL NOT NULL,
                    updatedAt REAL NOT NULL
                );
                CREATE INDEX uploads_by_state ON uploads (state);
                """)
        }

        migrator.registerMigration(dataCache) { db in
            // AUTOINCREMENT so an object id (which names its sparse file) is never reused after eviction.
            try db.execute(sql: """
                CREATE TABLE cache_objects (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    source TEXT NOT NULL,
                    path TEXT NOT NULL,
                    version TEXT NOT NULL,
                    lastUsed REAL NOT NULL,
                    UNIQUE (source, path)
                );
                CREATE TABLE cache_extents (
                    objectId INTEGER NOT NULL REFERENCES cache_objects(id) ON DELETE CASCADE,
                    start INTEGER NOT NULL,
                    "end" INTEGER NOT NULL,
                    PRIMARY KEY (objectId, start)
                ) WITHOUT ROWID;
                """)
        }

        return migrator
    }
}
