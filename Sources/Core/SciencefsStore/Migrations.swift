import GRDB

/// Every schema change of the store, in order. Names are permanent once shipped: add new migrations at the end,
/// never edit one that has run on a user's machine.
enum Migrations {
    static let nodesAndListings = "v1-nodes-and-listings"
    static let uploadJournal = "v1-upload-journal"
    static let dataCache = "v1-data-cache"
    static let transferJobs = "v2-transfer-jobs"
    static let attributeOverlay = "v3-attribute-overlay"
    static let cachePins = "v4-cache-pins"

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

        migrator.registerMigration(transferJobs) { db in
            // One row per server-side job (an FTS3 job...). `files` is the Core's JSON; `applied` turns 1 once the
            // mount has refreshed the destinations after the job ended (a job `sciencefs cp` submitted and polled to
            // its end itself still needs the daemon to do that).
            try db.execute(sql: """
                CREATE TABLE transfer_jobs (
                    service TEXT NOT NULL,
                    jobId TEXT NOT NULL,
                    state TEXT NOT NULL,
                    reason TEXT,
                    files TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    applied INTEGER NOT NULL DEFAULT 0,
                    createdAt REAL NOT NULL,
                    updatedAt REAL NOT NULL,
                    PRIMARY KEY (service, jobId)
                ) WITHOUT ROWID;
                CREATE INDEX transfer_jobs_pending ON transfer_jobs (applied, state);
                """)
        }

        migrator.registerMigration(attributeOverlay) { db in
            // What the user set through the mount (chmod, utimensat) that the service cannot store. Times are whole
            // seconds plus nanoseconds, so `rsync -a` sees exactly the time it set. `serverSize`/`serverMtime` are
            // the server's object the row was made against (NULL until the first answer from the server after the
            // change); the row is dropped once the server shows another object.
            try db.execute(sql: """
                CREATE TABLE attribute_overlay (
                    source TEXT NOT NULL,
                    path TEXT NOT NULL,
                    mode INTEGER,
                    mtimeSeconds INTEGER,
                    mtimeNanoseconds INTEGER,
                    atimeSeconds INTEGER,
                    atimeNanoseconds INTEGER,
                    serverSize INTEGER,
                    serverMtime REAL,
                    PRIMARY KEY (source, path)
                ) WITHOUT ROWID;
                """)
        }

        migrator.registerMigration(cachePins) { db in
            // Files the user pinned in the data cache (`sciencefs pin`): never evicted. Keyed by path, not by cached
            // object, so a pin outlives a new version of the file; `size` is the file's size when pinned, what the
            // pin reserves against `data_cache_size_mb`.
            try db.execute(sql: """
                CREATE TABLE cache_pins (
                    source TEXT NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    PRIMARY KEY (source, path)
                ) WITHOUT ROWID;
                """)
        }

        return migrator
    }
}
