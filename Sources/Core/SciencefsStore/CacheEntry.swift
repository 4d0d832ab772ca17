import Foundation

/// Identifies a cached object: one remote file of one source.
struct CacheKey: Hashable, Sendable {
    var source: String
    var path: String
}

/// The in-memory state of one cached object; handles (`CachedObject`) share the entry, so eviction is seen by all of
/// them at once.
///
/// `@unchecked Sendable` because its own `lock` guards `extents`, `pendingWrites`, `discarded`, `lastUsed` and
/// `dirty`, so lookups and writes of one file never wait for another file's; `key` is guarded by the owning
/// `DataCache`'s `lock` (the entries map is keyed by it). Only `DataCache` reads or writes them. `lock` is a leaf,
/// taken under `DataCache.lock` or under no lock (see `DataCache`).
final class CacheEntry: @unchecked Sendable {
    let id: Int64
    let version: String
    /// Guards the `var`s below except `key`.
    let lock = NSLock()
    /// Guarded by `DataCache.lock`.
    var key: CacheKey
    var extents: ExtentSet
    /// Strictly increasing use stamp (seconds since the epoch, nudged to stay unique) for LRU order.
    var lastUsed: Double
    /// Writes between their `pwrite` and the recording of their extent; an entry with any is never evicted.
    var pendingWrites = 0
    /// Set once the entry is evicted, removed or replaced by another version; its file is unlinked and its extents
    /// are empty. Open handles keep their descriptor but see no cached bytes and record no new ones.
    var discarded = false
    /// Extents or use time changed since they were last written to SQLite. Set true only by the thread that then
    /// enlists the entry in `DataCache`'s dirty set.
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
