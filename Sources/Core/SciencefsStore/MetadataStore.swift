import Foundation
import GRDB

/// The durable state of a mount: node metadata, directory listings with their fetch time, the upload journal and
/// the data cache's index, in one SQLite database (`metadata.sqlite`) opened in WAL mode so readers never wait
/// for the writer.
///
/// Thread-safety: every method may be called from any thread. Reads run concurrently on the pool's reader
/// connections; writes are serialized by GRDB's writer queue, and each public write method is one transaction.
/// Innermost in the lock order (see `VFS` in SciencefsCore): it takes none of our locks.
public final class MetadataStore: Sendable {
    /// The store's directory (mode 0700). `metadata.sqlite` lives here; the data cache uses `data/` below it.
    public let directory: URL
    /// Shared with `DataCache`, whose tables are part of the same schema.
    let database: DatabasePool

    /// Opens (creating if needed) the store in `directory`, and runs any migration not yet applied.
    public init(directory: URL) throws {
        try SecureDirectory.prepare(directory)
        self.directory = directory

        var configuration = Configuration()
        // Another process (a second `sciencefs status`) may hold the write lock briefly.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // In WAL mode NORMAL is crash-safe for the application; only an OS crash or power cut can lose the
            // last commits. Metadata is refetchable; the upload journal's staging files are fsync'ed by their writer.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try DatabasePool(path: directory.appendingPathComponent("metadata.sqlite").path,
                                    configuration: configuration)
        try Migrations.migrator.migrate(database)
    }

    /// The names of the migrations applied to this database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try database.read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    /// Current time as the store records it: seconds since the Unix epoch.
    static func now() -> Double { Date().timeIntervalSince1970 }
}
