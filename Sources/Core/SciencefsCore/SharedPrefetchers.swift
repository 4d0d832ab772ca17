import Synchronization

/// One `Prefetcher` per version of a file, shared by every read handle open on it, so that several readers of one
/// file share one set of fetches (the server sends each byte about once, however many readers there are). The last
/// handle to close stops it. All of them fetch on one `pool`, under the mount's readahead budget.
///
/// A leaf lock (see `VFS`): nothing else is taken while `entries` is locked; a prefetcher is made and stopped
/// outside it.
final class SharedPrefetchers: Sendable {
    private struct Entry {
        let prefetcher: Prefetcher
        var handles: Int
    }

    /// File version key ("source\0path\0version") → its prefetcher and how many handles use it.
    private let entries = Mutex<[String: Entry]>([:])
    /// The fetchers every prefetcher of the mount shares.
    let pool: ReadaheadPool
    /// The thread that writes every prefetcher's landed bytes into the data cache.
    let writes: CacheWriteQueue

    /// How many landed bytes may wait for the cache disk, across the mount, before fetchers write their blocks
    /// themselves.
    static let writeBacklog: UInt64 = 32 << 20

    init(pool: ReadaheadPool, writes: CacheWriteQueue = CacheWriteQueue(limit: SharedPrefetchers.writeBacklog)) {
        self.pool = pool
        self.writes = writes
    }

    /// The prefetcher of `key`, made by `make` for the first handle; every call must be matched by `release`.
    func acquire(_ key: String, make: () -> Prefetcher?) -> Prefetcher? {
        if let shared = entries.withLock({ table -> Prefetcher? in
            guard var entry = table[key] else { return nil }
            entry.handles += 1
            table[key] = entry
            return entry.prefetcher
        }) {
            return shared
        }
        guard let made = make() else { return nil }
        // Two first handles at once: the one that registers first wins, the other's is dropped unused.
        let (chosen, spare) = entries.withLock { table -> (Prefetcher, Prefetcher?) in
            if var entry = table[key] {
                entry.handles += 1
                table[key] = entry
                return (entry.prefetcher, made)
            }
            table[key] = Entry(prefetcher: made, handles: 1)
            return (made, nil)
        }
        spare?.stop()
        return chosen
    }

    /// A handle using `prefetcher` closed; the last one stops it.
    func release(_ prefetcher: Prefetcher) {
        let last = entries.withLock { table -> Bool in
            guard let (key, entry) = table.first(where: { $0.value.prefetcher === prefetcher }) else { return true }
            if entry.handles <= 1 {
                table[key] = nil
                return true
            }
            table[key]?.handles = entry.handles - 1
            return false
        }
        if last { prefetcher.stop() }
    }
}
