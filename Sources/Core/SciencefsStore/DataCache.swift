import Foundation

/// A disk cache of byte ranges read from remote files, capped in size, evicting least-recently-used whole objects,
/// and surviving restarts.
///
/// Each object — one (source, path) at one `version` the caller derives (e.g. "size-mtime") — is one sparse file in
/// `directory`, named by its id (given out in memory: the object's row is written with its first extents, so
/// opening a file writes nothing to SQLite). Which ranges are present is kept as merged extents in memory and
/// written through to the store's SQLite database in batches (every few MiB, every couple of seconds, when a
/// handle closes, and on `flush()`). Bytes are always written before their extent is recorded, so a crash can forget cached bytes but
/// never claim bytes that were not written.
///
/// Thread-safety: all methods may be called from any thread. `@unchecked Sendable` because `lock` guards every
/// `var` here and every `CacheEntry`'s fields. Reads and writes of cached bytes (`CachedObject`) run outside the
/// lock. The periodic extent flushes write SQLite under `indexWriter` alone, with `lock` held only for their
/// snapshot, so a flush never holds up the reads and writes of other files; removals, renames and evictions write
/// the index (and unlink evicted files) under `lock`, taken after `indexWriter` where both are held. Both are
/// leaves in the lock order (see `VFS` in SciencefsCore): only the store's writer is taken under them. Open one
/// `DataCache` per directory at a time (the mount's): a second instance would not see the first one's unflushed
/// extents and may evict under it.
public final class DataCache: @unchecked Sendable {
    /// The directory holding the sparse files (mode 0700).
    public let directory: URL
    public let capacityBytes: UInt64

    let index: CacheIndex
    private let lock = NSLock()
    /// Serialises every write to the index that changes a row's path or existence (flushes, removals, renames),
    /// so a flush's snapshot never lands after a later change. Taken before `lock`, never under it; a flush holds
    /// it, not `lock`, while SQLite writes, so readers and writers of every file go on meanwhile.
    private let indexWriter = NSLock()
    /// Guarded by `lock`, as are `pins` and every other `var` here.
    var entries: [CacheKey: CacheEntry] = [:]
    private var dirtyEntries: [Int64: CacheEntry] = [:]
    private var usedBytes: UInt64 = 0
    /// Set when the disk filled up: the cache grows no further than this (see `diskFull`).
    private var diskLimit: UInt64?
    private var hits: UInt64 = 0
    private var misses: UInt64 = 0
    private var lastStamp: Double = 0
    private var bytesSinceFlush: UInt64 = 0
    private var lastFlush: Double = 0
    /// The largest object id given out; the next new object takes the one after (its row is written later).
    private var lastID: Int64 = 0
    /// Pinned files (`sciencefs pin`) and the size each reserves against the cap: never evicted. Written through to
    /// the index at once (a pin is rare and must survive a crash).
    var pins: [CacheKey: UInt64] = [:]

    /// Extents are written to SQLite once this many new bytes are cached...
    static let flushBytes: UInt64 = 8 << 20
    /// ...or this many seconds after the last write-out, whichever comes first.
    static let flushInterval: Double = 2

    /// Opens the cache in `directory` (created with mode 0700), indexing it in `store`'s database. Files the index
    /// does not know are deleted; recorded extents beyond a file's actual length are dropped; if the cache holds more
    /// than `capacityBytes` (the cap was lowered), the least recently used objects are evicted.
    public init(directory: URL, capacityBytes: UInt64, store: MetadataStore) throws {
        try SecureDirectory.prepare(directory)
        self.directory = directory
        self.capacityBytes = capacityBytes
        self.index = CacheIndex(database: store.database)
        lastFlush = Self.now()
        try load()
    }

    /// Opens the cache in the store's `data/` subdirectory.
    public convenience init(store: MetadataStore, capacityBytes: UInt64) throws {
        try self.init(directory: store.directory.appendingPathComponent("data", isDirectory: true),
                      capacityBytes: capacityBytes, store: store)
    }

    deinit {
        try? flush()
    }

    /// Opens the cached object for (source, path) at `version`, creating it if needed, and marks it used. Bytes
    /// cached for a different version of the same file are discarded first.
    public func object(source: String, path: String, version: String) throws -> CachedObject {
        let key = CacheKey(source: source, path: path)
        // Only a new version of a cached file writes the index here (its old object goes); take the writer lock
        // first for that, as every index change does.
        let replacing = lock.withLock { entries[key].map { $0.version != version } ?? false }
        if replacing { indexWriter.lock() }
        defer { if replacing { indexWriter.unlock() } }
        lock.lock()
        defer { lock.unlock() }
        let stamp = nextStamp()
        let entry: CacheEntry
        // No SQLite write here: opening a file must not wait for the index. A new object's row and a known one's
        // use time are written by the next flush (a few MiB cached, a couple of seconds, or the handle's close).
        if let existing = entries[key], existing.version == version {
            existing.lastUsed = stamp
            markDirty(existing)
            entry = existing
        } else {
            if let stale = entries[key] { try discard([stale]) }
            lastID += 1
            entry = CacheEntry(id: lastID, key: key, version: version, extents: ExtentSet(), lastUsed: stamp)
            entries[key] = entry
        }
        let fd = try Self.openFile(fileURL(entry))
        return CachedObject(cache: self, entry: entry, descriptor: fd)
    }

    /// Discards the cached bytes of `path` and of any object below it (a deleted file or directory, a file written
    /// anew). Pins stay: `forgetPins` drops those of a deleted path.
    public func remove(source: String, path: String) throws {
        indexWriter.lock()
        defer { indexWriter.unlock() }
        lock.lock()
        defer { lock.unlock() }
        try discard(entries.values.filter {
            $0.key.source == source && StorePath.isSelfOrDescendant($0.key.path, of: path)
        })
    }

    /// Moves the cached objects at and below `from` to `to` (a rename), replacing whatever was cached there.
    /// The bytes stay where they are: files are named by object id, not by path.
    public func renameObject(source: String, from: String, to: String) throws {
        if from == to { return }
        indexWriter.lock()
        defer { indexWriter.unlock() }
        lock.lock()
        defer { lock.unlock() }
        let replaced = entries.values.filter {
            $0.key.source == source && StorePath.isSelfOrDescendant($0.key.path, of: to)
                && !StorePath.isSelfOrDescendant($0.key.path, of: from)
        }
        let moving = entries.values.filter {
            $0.key.source == source && StorePath.isSelfOrDescendant($0.key.path, of: from)
        }
        let moves = moving.map { (id: $0.id, path: StorePath.rebase($0.key.path, from: from, to: to)) }
        try index.apply(deleting: replaced.map(\.id), renaming: moves)
        forget(replaced)
        for entry in moving { entries.removeValue(forKey: entry.key) }
        for (entry, move) in zip(moving, moves) {
            entry.key.path = move.path
            entries[entry.key] = entry
        }
        try renamePins(source: source, from: from, to: to)
    }

    /// Bytes present (sum of extents), the cap, and cache lookups since this instance was opened: a hit is a
    /// `cachedLength` call that found bytes at its offset, a miss one that did not.
    public var usage: (bytes: UInt64, capacity: UInt64, hits: UInt64, misses: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        return (usedBytes, capacityBytes, hits, misses)
    }

    /// Writes every pending extent change to SQLite now.
    public func flush() throws {
        try writeOut()
    }

    // MARK: - Used by CachedObject

    func cachedLength(_ entry: CacheEntry, at offset: UInt64, max: UInt64, counted: Bool = true) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        let length = entry.extents.runLength(at: offset, max: max)
        if counted { if length > 0 { hits += 1 } else { misses += 1 } }
        return length
    }

    func isComplete(_ entry: CacheEntry, size: UInt64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return !entry.discarded && entry.extents.covers(size: size)
    }

    /// Reserves the entry against eviction for a write of `length` bytes. False when the entry is gone, or when the
    /// object would outgrow the whole cache (its bytes are then simply not cached).
    func beginWrite(_ entry: CacheEntry, length: UInt64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !entry.discarded, entry.extents.byteCount + length <= capacityBytes,
              diskLimit.map({ usedBytes + length <= $0 }) ?? true else { return false }
        entry.pendingWrites += 1
        return true
    }

    /// The disk under the cache is full (a write got ENOSPC): the object being written is dropped, so its blocks
    /// come back once its handles close, and from now on the cache keeps no more than it holds now — reads go on
    /// uncached rather than competing for space with staged writes, which must not be refused for a cache.
    func diskFull(_ entry: CacheEntry) {
        lock.lock()
        defer { lock.unlock() }
        // The index update may fail on the same full disk; the bytes must go regardless (a stale row is dropped at
        // the next start, when its file is found missing).
        try? index.apply(deleting: [entry.id])
        forget([entry])
        diskLimit = usedBytes
    }

    /// Releases a reservation whose write failed.
    func abandonWrite(_ entry: CacheEntry) {
        lock.lock()
        defer { lock.unlock() }
        entry.pendingWrites -= 1
    }

    /// Records `[start, end)` as present after its bytes were written, evicts other objects if the cache is now
    /// over its cap, and writes extents out when a batch is due. Returns false if the entry was discarded meanwhile.
    func finishWrite(_ entry: CacheEntry, start: UInt64, end: UInt64) throws -> Bool {
        let (kept, due): (Bool, Bool) = try lock.withLock {
            entry.pendingWrites -= 1
            guard !entry.discarded else { return (false, false) }
            let added = entry.extents.insert(start: start, end: end)
            usedBytes += added
            bytesSinceFlush += added
            entry.lastUsed = nextStamp()
            markDirty(entry)
            if usedBytes > capacityBytes { try evict(sparing: entry) }
            return (true, bytesSinceFlush >= Self.flushBytes || entry.lastUsed - lastFlush >= Self.flushInterval)
        }
        if due { try writeOut() } // SQLite outside `lock`: other files' reads and writes go on
        return kept
    }

    /// A handle closed: make its extents durable now rather than at the next batch.
    func handleClosed(_ entry: CacheEntry) {
        guard lock.withLock({ entry.dirty && !entry.discarded }) else { return }
        // On failure the entries stay dirty and are retried by the next flush.
        try? writeOut()
    }

    /// Runs `body` holding `indexWriter` then `lock`, as every change written to the index does.
    func changingIndex<T>(_ body: () throws -> T) rethrows -> T {
        try indexWriter.withLock { try lock.withLock(body) }
    }

    /// Runs `body` holding `lock` (in-memory state only).
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock(body)
    }

    func fileURL(_ entry: CacheEntry) -> URL {
        directory.appendingPathComponent(entry.fileName, isDirectory: false)
    }

    // MARK: - Internals (lock held)

    private func load() throws {
        let stored = try index.loadAll()
        pins = try index.loadPins()
        lastID = try index.largestID()
        var known = Set<String>()
        var missing: [Int64] = []
        for object in stored {
            let entry = CacheEntry(id: object.id, key: CacheKey(source: object.source, path: object.path),
                                   version: object.version, extents: ExtentSet(ranges: object.extents),
                                   lastUsed: object.lastUsed)
            var info = stat()
            guard stat(fileURL(entry).path, &info) == 0 else {
                missing.append(entry.id)
                continue
            }
            // The file may be shorter than recorded if it was tampered with; never claim bytes that aren't there.
            if let last = entry.extents.extents.last, last.end > UInt64(max(0, info.st_size)) {
                entry.extents.truncate(to: UInt64(max(0, info.st_size)))
                markDirty(entry)
            }
            known.insert(entry.fileName)
            entries[entry.key] = entry
            usedBytes += entry.extents.byteCount
            lastStamp = max(lastStamp, entry.lastUsed)
        }
        try index.apply(deleting: missing)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where !known.contains(name) {
            unlink(directory.appendingPathComponent(name).path)
        }
        if usedBytes > capacityBytes { try evict(sparing: nil) }
        try flushLocked()
    }

    /// Evicts least-recently-used objects until usage fits the cap. Never evicts `sparing`, an object with a write
    /// in flight, a pinned file, or an empty object (it frees nothing).
    private func evict(sparing: CacheEntry?) throws {
        let candidates = entries.values
            .filter { $0 !== sparing && $0.pendingWrites == 0 && $0.extents.byteCount > 0 && pins[$0.key] == nil }
            .sorted { ($0.lastUsed, $0.id) < ($1.lastUsed, $1.id) }
        var victims: [CacheEntry] = []
        var remaining = usedBytes
        for candidate in candidates where remaining > capacityBytes {
            victims.append(candidate)
            remaining -= candidate.extents.byteCount
        }
        try discard(victims)
    }

    /// Removes entries from the index, the disk and memory.
    private func discard(_ victims: [CacheEntry]) throws {
        if victims.isEmpty { return }
        try index.apply(deleting: victims.map(\.id))
        forget(victims)
    }

    /// Drops entries whose rows are already deleted: unlinks their files and clears their state.
    private func forget(_ victims: [CacheEntry]) {
        for victim in victims {
            unlink(fileURL(victim).path)
            usedBytes -= victim.extents.byteCount
            victim.extents = ExtentSet()
            victim.discarded = true
            victim.dirty = false
            dirtyEntries.removeValue(forKey: victim.id)
            if entries[victim.key] === victim { entries.removeValue(forKey: victim.key) }
        }
    }

    private func markDirty(_ entry: CacheEntry) {
        entry.dirty = true
        dirtyEntries[entry.id] = entry
    }

    private func state(of entry: CacheEntry) -> CacheIndex.StoredObject {
        CacheIndex.StoredObject(id: entry.id, source: entry.key.source, path: entry.key.path, version: entry.version,
                               lastUsed: entry.lastUsed, extents: entry.extents.extents)
    }

    private func flushLocked() throws {
        try index.save(dirtyEntries.values.map(state(of:)))
        for entry in dirtyEntries.values { entry.dirty = false }
        dirtyEntries.removeAll()
        bytesSinceFlush = 0
        lastFlush = Self.now()
    }

    /// Writes the pending extents out with `lock` held only to take their snapshot: SQLite runs under `indexWriter`
    /// alone. On failure the snapshot's entries are marked dirty again (unless discarded meanwhile).
    private func writeOut() throws {
        indexWriter.lock()
        defer { indexWriter.unlock() }
        let (snapshot, entriesWritten) = lock.withLock { () -> ([CacheIndex.StoredObject], [CacheEntry]) in
            let written = Array(dirtyEntries.values)
            for entry in written { entry.dirty = false }
            dirtyEntries.removeAll()
            bytesSinceFlush = 0
            lastFlush = Self.now()
            return (written.map(state(of:)), written)
        }
        do { try index.save(snapshot) } catch {
            lock.withLock { for entry in entriesWritten where !entry.discarded { markDirty(entry) } }
            throw error
        }
    }

    /// A use stamp later than every earlier one, so LRU order is total even within one clock tick.
    private func nextStamp() -> Double {
        lastStamp = max(Self.now(), lastStamp.nextUp)
        return lastStamp
    }

    private static func now() -> Double { Date().timeIntervalSince1970 }

    private static func openFile(_ url: URL) throws -> Int32 {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return fd
    }
}
