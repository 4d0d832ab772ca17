import Foundation
import Synchronization

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
/// Thread-safety: all methods may be called from any thread. `@unchecked Sendable` because every `var` here is
/// guarded by `lock` or is an atomic, and each `CacheEntry` has its own lock for its extents. The lock order is
/// `indexWriter`, then `lock`, then one `CacheEntry.lock` (and `ExtentWriter`'s condition, a leaf, under `lock`):
/// - `CacheEntry.lock` alone serves the hot path: `cachedLength`/`cachedRun`, `isComplete`, `beginWrite` and most
///   `finishWrite`s of one file never wait for another file. Hits, misses, bytes used and the disk limit are
///   atomics, so they need no lock either; `usedBytes` changes only under the entry lock of the entry whose extents
///   change, so it always equals the sum of the live entries' extents.
/// - `lock` guards the entries map, the dirty set, the rows waiting to be deleted, pins, and eviction. A write takes
///   it only when it dirties a clean object (once per batch) or takes the cache over its cap.
/// - `indexWriter` serialises every write to SQLite: the background writer's rounds, `flush()`, handle closes,
///   removals, renames and pins. It is held while SQLite writes; `lock` is held only to take a snapshot, so SQLite never holds up the
///   reads and writes of any file.
/// Extent write-outs run on `writer`'s thread (every few MiB cached, a couple of seconds after a change), and on
/// the caller's thread only for `flush()`, `close()`, a handle's close and `deinit`. Evictions (and a new version
/// replacing an old one at open) drop the object in memory and unlink its file at once, and leave its row to the
/// next write-out (a row whose file is gone is dropped at the next start, so a crash in between claims nothing);
/// removals and renames write the index at once. All of these are leaves in the mount's
/// lock order (see `VFS` in SciencefsCore): only the store's writer is taken under them. Open one `DataCache` per
/// directory at a time (the mount's): a second instance would not see the first one's unflushed extents and may
/// evict under it.
public final class DataCache: @unchecked Sendable {
    /// The directory holding the sparse files (mode 0700).
    public let directory: URL
    public let capacityBytes: UInt64

    let index: CacheIndex
    /// Guards `entries`, `dirtyEntries`, `deletedRows`, `lastID`, `pins` and every entry's `key`.
    private let lock = NSLock()
    /// Serialises every write to the index, so a write-out's snapshot never lands after a later change. Taken
    /// before `lock`, never under it; held, without `lock`, while SQLite writes.
    private let indexWriter = NSLock()
    /// Runs the periodic extent write-outs off the callers' threads.
    let writer = ExtentWriter(interval: DataCache.flushInterval)
    private let stamps = UseStamps()
    var entries: [CacheKey: CacheEntry] = [:]
    private var dirtyEntries: [Int64: CacheEntry] = [:]
    /// Rows of objects dropped from memory (evicted, removed, replaced) still to delete from the index.
    private var deletedRows: [Int64] = []
    /// Sum of the live entries' extents; changed only under the entry lock of the entry whose extents change.
    private let usedBytes = Atomic<UInt64>(0)
    /// Set when the disk filled up (`UInt64.max` until then): the cache grows no further (see `diskFull`).
    private let diskLimit = Atomic<UInt64>(.max)
    private let hits = Atomic<UInt64>(0)
    private let misses = Atomic<UInt64>(0)
    /// New bytes recorded since the last write-out's snapshot.
    private let bytesSinceFlush = Atomic<UInt64>(0)
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
        try load()
        writer.start(name: "cache-writer") { [weak self] in
            // On failure the entries stay dirty and the next round retries them.
            try? self?.writeOut()
        }
    }

    /// Opens the cache in the store's `data/` subdirectory.
    public convenience init(store: MetadataStore, capacityBytes: UInt64) throws {
        try self.init(directory: store.directory.appendingPathComponent("data", isDirectory: true),
                      capacityBytes: capacityBytes, store: store)
    }

    deinit {
        writer.stop()
        try? flush()
    }

    /// Opens the cached object for (source, path) at `version`, creating it if needed, and marks it used. Bytes
    /// cached for a different version of the same file are discarded first.
    public func object(source: String, path: String, version: String) throws -> CachedObject {
        let key = CacheKey(source: source, path: path)
        let stamp = stamps.next()
        // No SQLite write here: opening a file must not wait for the index. A new object's row, a known one's use
        // time and a replaced version's deletion are written by the next write-out.
        let entry: CacheEntry = lock.withLock {
            if let existing = entries[key], existing.version == version {
                existing.lock.withLock { existing.lastUsed = stamp }
                markDirty(existing)
                return existing
            }
            if let stale = entries[key] { discard([stale]) }
            lastID += 1
            let created = CacheEntry(id: lastID, key: key, version: version, extents: ExtentSet(), lastUsed: stamp)
            entries[key] = created
            return created
        }
        let fd = try Self.openFile(fileURL(entry))
        return CachedObject(cache: self, entry: entry, descriptor: fd)
    }

    /// Discards the cached bytes of `path` and of any object below it (a deleted file or directory, a file written
    /// anew). Pins stay: `forgetPins` drops those of a deleted path.
    /// The index is written at once (with the rows evictions left for the next write-out), so `sciencefs cache`
    /// no longer lists what was removed.
    public func remove(source: String, path: String) throws {
        try changingIndex {
            let victims = entries.values.filter {
                $0.key.source == source && StorePath.isSelfOrDescendant($0.key.path, of: path)
            }
            try index.apply(deleting: deletedRows + victims.map(\.id))
            deletedRows.removeAll()
            forget(victims)
        }
    }

    /// Moves the cached objects at and below `from` to `to` (a rename), replacing whatever was cached there.
    /// The bytes stay where they are: files are named by object id, not by path.
    public func renameObject(source: String, from: String, to: String) throws {
        if from == to { return }
        try changingIndex {
            let replaced = entries.values.filter {
                $0.key.source == source && StorePath.isSelfOrDescendant($0.key.path, of: to)
                    && !StorePath.isSelfOrDescendant($0.key.path, of: from)
            }
            let moving = entries.values.filter {
                $0.key.source == source && StorePath.isSelfOrDescendant($0.key.path, of: from)
            }
            let moves = moving.map { (id: $0.id, path: StorePath.rebase($0.key.path, from: from, to: to)) }
            // Rows already dropped from memory go in the same transaction: one may hold a destination path.
            try index.apply(deleting: deletedRows + replaced.map(\.id), renaming: moves)
            deletedRows.removeAll()
            forget(replaced)
            for entry in moving { entries.removeValue(forKey: entry.key) }
            for (entry, move) in zip(moving, moves) {
                entry.key.path = move.path
                entries[entry.key] = entry
            }
            try renamePins(source: source, from: from, to: to)
        }
    }

    /// Bytes present (sum of extents), the cap, and cache lookups since this instance was opened: a hit is a
    /// `cachedLength` call that found bytes at its offset, a miss one that did not.
    public var usage: (bytes: UInt64, capacity: UInt64, hits: UInt64, misses: UInt64) {
        (usedBytes.load(ordering: .relaxed), capacityBytes, hits.load(ordering: .relaxed),
         misses.load(ordering: .relaxed))
    }

    /// Writes every pending extent change to SQLite now, on the caller's thread.
    public func flush() throws {
        try writeOut()
    }

    /// Stops the background writer and writes every pending extent change out (the mount is ending). The cache
    /// stays usable; from now on extents reach SQLite only through `flush()`, handle closes and `deinit`.
    public func close() throws {
        writer.stop()
        try writeOut()
    }

    // MARK: - Used by CachedObject

    func cachedLength(_ entry: CacheEntry, at offset: UInt64, max: UInt64, counted: Bool = true) -> UInt64 {
        let length = entry.lock.withLock { entry.extents.runLength(at: offset, max: max) }
        if counted {
            if length > 0 { hits.wrappingAdd(1, ordering: .relaxed) } else { misses.wrappingAdd(1, ordering: .relaxed) }
        }
        return length
    }

    func isComplete(_ entry: CacheEntry, size: UInt64) -> Bool {
        entry.lock.withLock { !entry.discarded && entry.extents.covers(size: size) }
    }

    /// Reserves the entry against eviction for a write of `length` bytes. False when the entry is gone, or when the
    /// object would outgrow the whole cache (its bytes are then simply not cached).
    func beginWrite(_ entry: CacheEntry, length: UInt64) -> Bool {
        let limit = diskLimit.load(ordering: .relaxed)
        return entry.lock.withLock {
            guard !entry.discarded, entry.extents.byteCount + length <= capacityBytes,
                  limit == .max || usedBytes.load(ordering: .relaxed) + length <= limit else { return false }
            entry.pendingWrites += 1
            return true
        }
    }

    /// The disk under the cache is full (a write got ENOSPC): the object being written is dropped, so its blocks
    /// come back once its handles close, and from now on the cache keeps no more than it holds now — reads go on
    /// uncached rather than competing for space with staged writes, which must not be refused for a cache.
    func diskFull(_ entry: CacheEntry) {
        lock.withLock {
            // Its row goes with the next write-out, which may fail on the same full disk; the bytes go regardless
            // (a row whose file is missing is dropped at the next start).
            discard([entry])
            diskLimit.store(usedBytes.load(ordering: .relaxed), ordering: .relaxed)
        }
    }

    /// Releases a reservation whose write failed.
    func abandonWrite(_ entry: CacheEntry) {
        entry.lock.withLock { entry.pendingWrites -= 1 }
    }

    /// Records `[start, end)` as present after its bytes were written, evicts other objects if the cache is now
    /// over its cap, and asks the background writer for a write-out when a batch is due. Returns false if the
    /// entry was discarded meanwhile. Takes `lock` only to enlist a newly dirty entry or to evict.
    func finishWrite(_ entry: CacheEntry, start: UInt64, end: UInt64) -> Bool {
        let stamp = stamps.next()
        let (kept, added, newlyDirty): (Bool, UInt64, Bool) = entry.lock.withLock {
            entry.pendingWrites -= 1
            guard !entry.discarded else { return (false, 0, false) }
            let added = entry.extents.insert(start: start, end: end)
            usedBytes.wrappingAdd(added, ordering: .relaxed)
            entry.lastUsed = stamp
            let wasClean = !entry.dirty
            entry.dirty = true
            return (true, added, wasClean)
        }
        guard kept else { return false }
        if newlyDirty || usedBytes.load(ordering: .relaxed) > capacityBytes {
            lock.withLock {
                if newlyDirty { enlist(entry) }
                if usedBytes.load(ordering: .relaxed) > capacityBytes { evict(sparing: entry) }
            }
        }
        let total = bytesSinceFlush.wrappingAdd(added, ordering: .relaxed).newValue
        if total >= Self.flushBytes && total - added < Self.flushBytes { writer.request() }
        return true
    }

    /// A handle closed: make its extents durable now rather than at the next batch.
    func handleClosed(_ entry: CacheEntry) {
        guard entry.lock.withLock({ entry.dirty && !entry.discarded }) else { return }
        // On failure the entries stay dirty and are retried by the next write-out.
        try? writeOut()
    }

    /// Runs `body` holding `indexWriter` then `lock`, as every change written to the index does.
    func changingIndex<T>(_ body: () throws -> T) rethrows -> T {
        try indexWriter.withLock { try lock.withLock(body) }
    }

    /// Runs `body` holding `lock` (in-memory state only; entries' extents need their own lock).
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock(body)
    }

    func fileURL(_ entry: CacheEntry) -> URL {
        directory.appendingPathComponent(entry.fileName, isDirectory: false)
    }

    // MARK: - Internals

    /// Reads the index (from `init`, before any other thread sees the cache).
    private func load() throws {
        let stored = try index.loadAll()
        pins = try index.loadPins()
        lastID = try index.largestID()
        var known = Set<String>()
        var missing: [Int64] = []
        var used: UInt64 = 0
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
            used += entry.extents.byteCount
            stamps.observe(entry.lastUsed)
        }
        usedBytes.store(used, ordering: .relaxed)
        deletedRows = missing
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where !known.contains(name) {
            unlink(directory.appendingPathComponent(name).path)
        }
        if used > capacityBytes { evict(sparing: nil) }
        try writeOut()
    }

    /// Evicts least-recently-used objects until usage fits the cap (`lock` held). Never evicts `sparing`, an object
    /// with a write in flight, a pinned file, or an empty object (it frees nothing). No SQLite: the victims' rows
    /// go with the next write-out.
    private func evict(sparing: CacheEntry?) {
        struct Candidate { let entry: CacheEntry; let lastUsed: Double; let bytes: UInt64 }
        let candidates = entries.values.compactMap { entry -> Candidate? in
            guard entry !== sparing, pins[entry.key] == nil else { return nil }
            return entry.lock.withLock {
                guard entry.pendingWrites == 0, entry.extents.byteCount > 0 else { return nil }
                return Candidate(entry: entry, lastUsed: entry.lastUsed, bytes: entry.extents.byteCount)
            }
        }.sorted { ($0.lastUsed, $0.entry.id) < ($1.lastUsed, $1.entry.id) }
        var remaining = usedBytes.load(ordering: .relaxed)
        var victims: [CacheEntry] = []
        for candidate in candidates where remaining > capacityBytes {
            victims.append(candidate.entry)
            remaining -= min(remaining, candidate.bytes)
        }
        // A write may have begun on a victim since the look above: that one stays.
        discard(victims, unlessWriting: true)
    }

    /// Drops entries from memory and the disk (`lock` held); their rows are deleted by the next write-out.
    private func discard(_ victims: [CacheEntry], unlessWriting: Bool = false) {
        deletedRows += forget(victims, unlessWriting: unlessWriting).map(\.id)
    }

    /// Drops entries (`lock` held): clears their state, unlinks their files and takes them out of the maps. With
    /// `unlessWriting`, an entry with a write in flight is kept. Returns the entries dropped.
    @discardableResult
    private func forget(_ victims: [CacheEntry], unlessWriting: Bool = false) -> [CacheEntry] {
        var dropped: [CacheEntry] = []
        for victim in victims {
            let taken = victim.lock.withLock { () -> Bool in
                if victim.discarded || (unlessWriting && victim.pendingWrites > 0) { return false }
                usedBytes.wrappingSubtract(victim.extents.byteCount, ordering: .relaxed)
                victim.extents = ExtentSet()
                victim.discarded = true
                victim.dirty = false
                return true
            }
            guard taken else { continue }
            unlink(fileURL(victim).path)
            dirtyEntries.removeValue(forKey: victim.id)
            if entries[victim.key] === victim { entries.removeValue(forKey: victim.key) }
            dropped.append(victim)
        }
        return dropped
    }

    /// Marks an entry's use time or extents as changed (`lock` held, entry lock not held).
    private func markDirty(_ entry: CacheEntry) {
        let live = entry.lock.withLock { () -> Bool in
            if entry.discarded { return false }
            entry.dirty = true
            return true
        }
        if live { enlist(entry) }
    }

    /// Puts an entry whose `dirty` flag its caller set into the dirty set (`lock` held), unless it was discarded
    /// or written out since; wakes the writer when the set stops being empty.
    private func enlist(_ entry: CacheEntry) {
        guard entry.lock.withLock({ entry.dirty && !entry.discarded }) else { return }
        let wasEmpty = dirtyEntries.isEmpty
        dirtyEntries[entry.id] = entry
        if wasEmpty { writer.noteDirty() }
    }

    /// Writes the pending extents and row deletions out in one transaction, with `lock` held only to take their
    /// snapshot: SQLite runs under `indexWriter` alone. On failure the snapshot goes back to be written again.
    private func writeOut() throws {
        indexWriter.lock()
        defer { indexWriter.unlock() }
        let (snapshot, written, deletions) = lock.withLock {
            () -> ([CacheIndex.StoredObject], [CacheEntry], [Int64]) in
            let written = Array(dirtyEntries.values)
            dirtyEntries.removeAll()
            let deletions = deletedRows
            deletedRows.removeAll()
            bytesSinceFlush.store(0, ordering: .relaxed)
            let snapshot = written.compactMap { entry in
                entry.lock.withLock { () -> CacheIndex.StoredObject? in
                    entry.dirty = false
                    if entry.discarded { return nil }
                    return CacheIndex.StoredObject(id: entry.id, source: entry.key.source, path: entry.key.path,
                                                   version: entry.version, lastUsed: entry.lastUsed,
                                                   extents: entry.extents.extents)
                }
            }
            return (snapshot, written, deletions)
        }
        do { try index.save(snapshot, deleting: deletions) } catch {
            lock.withLock {
                deletedRows += deletions
                for entry in written { markDirty(entry) }
            }
            throw error
        }
    }

    private static func openFile(_ url: URL) throws -> Int32 {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return fd
    }
}
