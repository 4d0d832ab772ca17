/// Identifies a cached object: one remote file of one source.
struct CacheKey: Hashable, Sendable {
    var source: String
    var path: String
}

/// The in-memory state of one cached object. `@unchecked Sendable` because every `var` is guarded by the owning
/// `DataCache`'s `lock` (only `DataCache` reads or writes them); handles (`CachedObject`) share the entry, so
/// eviction is seen by all of them at once.
final class CacheEntry: @unchecked Sendable {
    let id: Int64
    var key: CacheKey
    let version: String
    var extents: ExtentSet
    /// Strictly increasing use stamp (seconds since the epoch, nudged to stay unique) for LRU order.
    var lastUsed: Double
    /// Writes between their `pwrite` and the recording of their extent; an entry with any is never evicted.
    var pendingWrites = 0
    /// Set once the entry is evicted, removed or replaced by another version; its file is unlinked and its extents
    /// are empty. Open handles keep their descriptor but see no cached bytes and record no new ones.
    var discarded = false
    /// Extents or use time changed since they were last written to SQLite.
    var dirty = false

    init(id: Int64, key: CacheKey, version: String, extents: ExtentSet, lastUsed: Double) {
        self.id = id
        self.key = key
        self.version = version
        self.extents = extents
        self.lastUsed = lastUsed
    }

    /// The sparse file's name inside the cache directory.
    var fileName: String { String(id) }
}
