import GRDB

/// One file in the data cache as `sciencefs cache` lists it, read from the index in SQLite.
public struct CacheListingEntry: Equatable, Sendable {
    public var source: String
    public var path: String
    /// Bytes held (the sum of the recorded extents; 0 for a pinned file not cached yet).
    public var bytes: UInt64
    public var pinned: Bool
}

extension MetadataStore {
    /// Every cached object and every pin, by source and path. The daemon writes extents out when a handle closes and
    /// every couple of seconds, so a file being read now may show fewer bytes than it holds.
    public func cacheListing() throws -> [CacheListingEntry] {
        try database.read { db in
            var byKey: [String: CacheListingEntry] = [:]
            let objects = try Row.fetchAll(db, sql: """
                SELECT o.source, o.path, COALESCE(SUM(e."end" - e.start), 0)
                FROM cache_objects o LEFT JOIN cache_extents e ON e.objectId = o.id
                GROUP BY o.id
                """)
            for row in objects {
                let bytes: Int64 = row[2]
                let entry = CacheListingEntry(source: row[0], path: row[1], bytes: UInt64(max(0, bytes)), pinned: false)
                byKey[entry.source + "\u{0}" + entry.path] = entry
            }
            for row in try Row.fetchAll(db, sql: "SELECT source, path FROM cache_pins") {
                let source: String = row[0]
                let path: String = row[1]
                byKey[source + "\u{0}" + path, default: CacheListingEntry(source: source, path: path, bytes: 0,
                                                                         pinned: false)].pinned = true
            }
            return byKey.values.sorted { ($0.source, $0.path) < ($1.source, $1.path) }
        }
    }
}
