import Foundation
import Logging
import SciencefsStore

/// The virtual filesystem: one tree over several sources. Called by the FUSE adapter from many threads at once;
/// every method blocks until its answer is known and throws `FSError`.
///
/// Layout: the mount root lists the sources by name; below `<source>/` the backend decides what exists.
///
/// ## Locks and their order
/// A thread that holds a lock takes only locks further down this list (outermost first):
/// 1. `StagedFile.uploadLock` (one file's upload) or `ReadHandle.readLock` (one handle's reads) — never both by one
///    thread. These are the only locks held across a backend call, SQLite writes and file I/O, and they hold up
///    only their own file or handle.
/// 2. A `VerificationLedger` gate (one file version's whole-file fetch and check), taken under `readLock` only.
/// 3. `VFS.lock`: guards `inodes`, `handles`, `staged`, `orphans`, each handle's `orphanIno` and each
///    `ReadHandle.localCopy`.
///    Taken under `uploadLock` by unlink.
/// 4. `StagedFile.lock`: the staged file's size, times and flags; taken under `VFS.lock` or `uploadLock`.
/// 5. `Prefetcher.condition`: taken under `readLock`; under it only `DataCache`'s locks (via `CachedObject`),
///    `ReadaheadPool.condition` and `CacheWriteQueue.condition`.
/// 6. Leaves, under which no other lock is taken: `MetadataCache.lock`, `AttributeOverlays.lock`,
///    `VerificationLedger.lock`, `ReadOrigins.lock` (taken by backends inside `read`),
///    `UploadCoordinator.condition`, `UploadStream.condition` (taken under `StagedFile.lock` by writes), `StreamingUpload.condition`, `ReadaheadPool.condition` (its fetchers run with
///    it released), `CacheWriteQueue.condition` (its writer runs with it released), `ServerCopyProgress`'s and `SharedPrefetchers`' mutexes, `SourceHealth.lock` and
///    `WaitingUploads.lock` (probes and parked uploads run with them released), and `DataCache`'s `indexWriter`,
///    then `lock`, then one `CacheEntry.lock` (`ExtentWriter.condition` is a leaf taken under `lock`). A
///    `CachedObject` lookup or write takes only its object's `CacheEntry.lock`, and `lock` only to enlist a newly
///    dirty object or to evict (which unlinks files). Extent write-outs hold only `indexWriter` while SQLite
///    writes and run on the cache's writer thread, never on a reader's or fetcher's; removals, renames and pins
///    write the index under `indexWriter` and `lock`.
///    `MetadataStore` is GRDB's own serial writer, innermost of all.
///
/// Rules that hold:
/// - Under `VFS.lock` and `StagedFile.lock` only in-memory work happens: no backend call, no SQLite (`store`,
///   `metadata`, `overlays`, `dataCache`, `transfers` are all called after the lock is released), no file I/O.
/// - `MetadataCache` and `AttributeOverlays` release their own lock before they write SQLite.
/// - A streaming upload's thread (`StreamingUpload`) holds no Core lock while it calls the backend: it copies from
///   the buffer a write lends it or reads the staged file by position, and waits on `UploadStream.condition` for
///   the writer, which only signals it. A write waits on that condition, holding no lock, only for a copy out of its
///   own buffer that has started, never for the network.
/// - A backend is never called with `VFS.lock` or any leaf lock held; a backend's own locks (token managers,
///   `NodeFacts`) never call back into the VFS.
///
/// `@unchecked Sendable` because `lock` guards the mutable tables above; everything else is a `let` set in init.
public final class VFS: @unchecked Sendable {
    let backends: [String: Backend]
    let sourceNames: [String]
    let options: VFSOptions
    let clock: Clock
    let logger: Logger
    let metadata: MetadataCache
    /// Mode and times set by users that the services cannot store.
    let overlays: AttributeOverlays
    let store: MetadataStore?
    let dataCache: DataCache?
    let stagingDirectory: URL
    let mountTime: Date

    /// Guards `inodes`, `handles`, `staged` and `orphans` (order: see the type's doc comment).
    let lock = NSLock()
    var inodes = InodeTable()
    var handles = HandleTable()
    /// Files being written through the mount, by node; shared by every handle open for writing on the node.
    var staged: [NodeKey: StagedFile] = [:]
    /// Files unlinked while open, by inode: the bytes their descriptors keep (see VFS+Orphans).
    var orphans: [UInt64: StagedFile] = [:]
    let uploads = UploadCoordinator()
    /// Which sources cannot be reached now (VFS+Reachability), and the uploads waiting for them.
    let health = SourceHealth()
    let waitingUploads = WaitingUploads()
    let serverCopies = ServerCopyProgress()
    /// Readahead, one per file version, shared by the handles reading it; fetched by one pool under one budget.
    let prefetchers: SharedPrefetchers
    /// `sciencefs stage`'s prefetch jobs, on the readahead pool (VFS+StageRequests).
    let stager: Stager
    /// Which file versions passed or failed checksum verification, for every handle.
    let verification = VerificationLedger()
    /// Where each file's last network read came from, as backends report it (`user.sciencefs.served_from`).
    let readOrigins = ReadOrigins()
    /// Every server-side job (FTS3 copies, backends' imports and tape requests) and their journal; nil without a
    /// store (then backends get no `ServerJobs`).
    public let transfers: TransferTracker?
    /// How the FUSE adapter makes the kernel forget the attributes it keeps for some inodes; guarded by `lock`.
    var kernelAttributeInvalidation: (@Sendable ([UInt64]) -> Void)?

    public init(backends: [Backend], store: MetadataStore?, dataCache: DataCache?, stagingDirectory: URL,
                options: VFSOptions = VFSOptions(), clock: Clock = SystemClock(), transfers: TransferTracker? = nil,
                logger: Logger) throws {
        var byName: [String: Backend] = [:]
        let backends = backends + [ControlBackend(tracker: transfers)]
        for backend in backends {
            guard byName[backend.name] == nil else { throw FSError.invalidArgument("two sources named \(backend.name)") }
            byName[backend.name] = backend
        }
        self.backends = byName
        self.sourceNames = backends.map(\.name)
        self.options = options
        self.clock = clock
        self.logger = logger
        self.store = store
        self.dataCache = dataCache
        self.stagingDirectory = stagingDirectory
        self.mountTime = clock.now()
        self.transfers = transfers
        self.prefetchers = SharedPrefetchers(pool: ReadaheadPool(
            budget: options.readaheadBudget,
            fetchers: ReadaheadPool.fetchers(budget: options.readaheadBudget, rangeSize: options.maxReadahead)))
        let stager = Stager(pool: prefetchers.pool, chunk: options.maxReadahead)
        self.stager = stager
        if let transfers {
            do { try transfers.register(stager) } catch {
                logger.error("stage prefetches cannot be followed", metadata: ["why": "\(error)"])
            }
        }
        let storeLogger = logger
        self.metadata = MetadataCache(store: store) { error in
            storeLogger.warning("metadata store error (cache continues in memory)", metadata: ["error": "\(error)"])
        }
        self.overlays = AttributeOverlays(store: store) { error in
            storeLogger.warning("metadata store error (attribute overlay continues in memory)", metadata: ["error": "\(error)"])
        }
        for backend in backends {
            backend.attach(NodeFacts(source: backend.name, cache: metadata, clock: clock) { [weak backend] path in
                backend?.cachePolicy(for: path) ?? CachePolicy()
            })
            if let transfers { backend.attach(transfers.jobs(of: backend.name)) }
            backend.attach(readOrigins.reporter(for: backend.name))
        }
        try FileManager.default.createDirectory(at: stagingDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    public static let rootIno = InodeTable.rootIno

    /// Whether `ino` is one of sciencefs's own files (`.sciencefs/`), whose content changes on its own: the FUSE
    /// layer opens it without the page cache.
    public func isLive(_ ino: UInt64) -> Bool {
        (try? key(for: ino))?.source == ControlBackend.sourceName
    }

    // MARK: lookup and attributes

    /// Resolves `name` in directory `parent` and counts one kernel reference to the result.
    public func lookup(parent: UInt64, name: String) throws -> FileAttributes {
        try validate(name: name)
        let parentKey = try key(for: parent)
        let key = parentKey.child(name)
        let attrs = try attributes(of: key)
        lock.lock()
        let ino = inodes.lookup(key)
        lock.unlock()
        return fileAttributes(attrs, key: key, ino: ino)
    }

    /// The kernel dropped `count` references to `ino`.
    public func forget(_ ino: UInt64, count: UInt64) {
        lock.lock()
        inodes.forget(ino, count)
        lock.unlock()
    }

    /// Raises the lookup count of an inode handed to the kernel by readdirplus.
    public func retain(_ ino: UInt64) {
        lock.lock()
        if let key = inodes.key(for: ino) { _ = inodes.lookup(key) }
        lock.unlock()
    }

    public func getattr(_ ino: UInt64) throws -> FileAttributes {
        if let orphan = orphan(ino) { return orphanAttributes(orphan, ino: ino) }
        let key = try key(for: ino)
        return fileAttributes(try attributes(of: key), key: key, ino: ino)
    }

    /// Entries of directory `ino` (without `.` and `..`), each with an inode number (lookup count not raised).
    public func readdir(_ ino: UInt64) throws -> [DirectoryEntry] {
        let key = try key(for: ino)
        let entries = try listing(of: key)
        // Inode numbers under the VFS lock, overlays (their own lock) after it: VFS.lock guards the tables only.
        lock.lock()
        let numbered = entries.map { entry in
            let child = key.child(entry.name)
            return (entry: entry, child: child, ino: inodes.inode(for: child))
        }
        lock.unlock()
        return numbered.map { item in
            DirectoryEntry(name: item.entry.name, attributes: fileAttributes(item.entry.attributes, key: item.child,
                                                                           ino: item.ino))
        }
    }

    public struct FilesystemStatistics: Sendable {
        public var blockSize: UInt64 = 4096
        public var totalBlocks: UInt64 = 1 << 40
        public var freeBlocks: UInt64 = 1 << 39
        public var totalFiles: UInt64 = 1 << 32
        public var freeFiles: UInt64 = 1 << 31
        public var nameMax: UInt64 = 255
    }

    /// Remote services report no capacity through these protocols; a large, stable answer keeps tools such as
    /// `cp` and `df` from refusing to write.
    public func statfs() -> FilesystemStatistics { FilesystemStatistics() }

    /// The mount path of an inode, or of its child `name`, for a log line about a failed request ("/rucio/user.alice/ds/f");
    /// "inode N" when the kernel asked about one the VFS no longer knows.
    public func mountPath(of ino: UInt64, child name: String? = nil) -> String {
        guard let key = try? key(for: ino) else { return "inode \(ino)" + (name.map { "/\($0)" } ?? "") }
        return "\(name.map { key.child($0) } ?? key)"
    }

    // MARK: internals shared by the operation files

    func key(for ino: UInt64) throws -> NodeKey {
        lock.lock()
        defer { lock.unlock() }
        guard let key = inodes.key(for: ino) else { throw FSError.notFound }
        return key
    }

    func backend(for key: NodeKey) throws -> Backend {
        guard let source = key.source, let backend = backends[source] else { throw FSError.notFound }
        return backend
    }

    /// A name a server sent that cannot be a file name here (empty, `.`, `..`, containing `/` or NUL, longer than
    /// 255 bytes) is left out of the listing, with a log line, so it can never reach the kernel or escape its directory.
    func withoutUnusableNames(_ entries: [RemoteEntry], in key: NodeKey) -> [RemoteEntry] {
        entries.filter { entry in
            let name = entry.name
            // Byte scans, not `contains`: Foundation's substring search is measurable at 10,000 names.
            let usable = !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/"))
                && !name.utf8.contains(0) && name.utf8.count <= 255
            if !usable {
                // The log handler escapes the name (LogText) and cuts a long one.
                logger.warning("a name from the server cannot be shown and is skipped",
                               metadata: ["directory": "\(key)", "name": "\(name)", "bytes": "\(name.utf8.count)"])
            }
            return usable
        }
    }

    func validate(name: String) throws {
        if name.utf8.count > 255 { throw FSError.nameTooLong }
        if name.isEmpty || name == "." || name == ".." || name.contains("/") { throw FSError.invalidArgument("bad name \(name)") }
    }

    /// Attributes of `key`: synthetic for roots, staged for files being written, else cache, else the backend.
    func attributes(of key: NodeKey) throws -> RemoteAttributes {
        if key.isMountRoot {
            return .directory(mtime: mountTime, permissions: options.readOnly ? 0o555 : 0o755)
        }
        let backend = try backend(for: key)
        if key.path.isRoot {
            return .directory(mtime: mountTime, permissions: backend.isWritable && !options.readOnly ? 0o755 : 0o555)
        }
        if let staged = stagedFile(key) { return staged.attributes() }
        let now = clock.now()
        let policy = backend.cachePolicy(for: key.path)
        if let cached = metadata.attributes(key, ttl: policy.attributeTTL, now: now) { return cached }
        if metadata.isKnownMissing(key, policy: policy, parentListingIsComplete: backend.listingIsComplete(key.parent.path),
                                   now: now) {
            throw FSError.notFound
        }
        // The source is down and serves stale answers: what is cached answers at once, without waiting for retries.
        if servesStaleNow(key), let stale = try staleAttributes(of: key, backend: backend, now: now) { return stale }
        // Kept from when the answer was true: earlier than `now` if the backend built it from facts (AnswerTime).
        let path = key.path
        let (answer, asOf) = AnswerTime.measure(asked: now) {
            try reaching(key, probe: { _ = try backend.stat(path) }) { try backend.stat(path) }
        }
        do {
            let attrs = try answer.get()
            metadata.save(attributes: attrs, for: key, now: asOf)
            overlays.observe(key, server: attrs)
            return attrs
        } catch FSError.notFound {
            metadata.saveMissing(key, now: asOf)
            throw FSError.notFound
        } catch where mayServeStale(after: error, key) {
            if let stale = try staleAttributes(of: key, backend: backend, now: now) { return stale }
            throw logged(error, "stat", key)
        } catch {
            throw logged(error, "stat", key)
        }
    }

    /// Entries of directory `key`, with files still being written merged in.
    /// `fresh` skips the caches (for decisions that must not rest on old data, such as rmdir's emptiness test).
    func listing(of key: NodeKey, fresh: Bool = false) throws -> [RemoteEntry] {
        if key.isMountRoot {
            return sourceNames.compactMap { name in
                guard let backend = backends[name] else { return nil }
                return RemoteEntry(name: name, attributes: .directory(
                    mtime: mountTime, permissions: backend.isWritable && !options.readOnly ? 0o755 : 0o555))
            }
        }
        let backend = try backend(for: key)
        let now = clock.now()
        var entries: [RemoteEntry]
        if !fresh, let cached = metadata.listing(key, ttl: backend.cachePolicy(for: key.path).listingTTL, now: now) {
            entries = cached
        } else if !fresh, servesStaleNow(key), let stale = metadata.listing(key, ttl: .infinity, now: now) {
            // The source is down: the last listing answers, however old (VFS+Reachability).
            entries = stale
        } else {
            let path = key.path
            let (answer, asOf) = AnswerTime.measure(asked: now) {
                try reaching(key, probe: { _ = try backend.list(path) }) { try backend.list(path) }
            }
            do {
                entries = try answer.get()
            } catch where !fresh && mayServeStale(after: error, key) {
                guard let stale = metadata.listing(key, ttl: .infinity, now: now) else { throw logged(error, "list", key) }
                return merged(stale, withStagedIn: key)
            } catch {
                throw logged(error, "list", key)
            }
            entries = withoutUnusableNames(entries, in: key)
            metadata.save(listing: entries, of: key, now: asOf)
            for entry in entries { overlays.observe(key.child(entry.name), server: entry.attributes) }
        }
        return merged(entries, withStagedIn: key)
    }

    /// A listing with the files being written in directory `key` merged in.
    private func merged(_ listing: [RemoteEntry], withStagedIn key: NodeKey) -> [RemoteEntry] {
        var entries = listing
        lock.lock()
        let pending = staged.filter { $0.key.parent == key }
        lock.unlock()
        for (child, file) in pending {
            let attrs = file.attributes()
            if let i = entries.firstIndex(where: { $0.name == child.name }) {
                entries[i].attributes = attrs
            } else {
                entries.append(RemoteEntry(name: child.name, attributes: attrs))
            }
        }
        return entries
    }

    /// What the kernel sees: the server's attributes with the user's overlay (mode, times) on top.
    func fileAttributes(_ attrs: RemoteAttributes, key: NodeKey, ino: UInt64) -> FileAttributes {
        let overlay = overlays.current(key)
        var permissions = overlay?.mode ?? attrs.permissions
        if options.readOnly { permissions &= ~0o222 }
        let exact = overlay?.mtime
        var result = FileAttributes(ino: ino, kind: attrs.kind, size: attrs.size, mtime: exact?.date ?? attrs.mtime,
                                    permissions: permissions, uid: options.uid, gid: options.gid, exactMtime: exact,
                                    atime: overlay?.atime)
        result.isLive = key.source == ControlBackend.sourceName
        return result
    }

    func stagedFile(_ key: NodeKey) -> StagedFile? {
        lock.lock()
        defer { lock.unlock() }
        return staged[key]
    }

    /// Every EIO gets a log line saying why; other errors are logged at debug level.
    /// `error` as an FSError, explained by the VFS operation it ended (`"rename (replace target)"`): an EIO gains the
    /// operation as the outermost link of its cause chain. Nothing is logged here: the FUSE adapter logs each failed
    /// request once, with its operation, path and cause (`FuseFilesystem.replyError`). Work no request waits for
    /// (an upload at release, readahead) logs its own failure where it gives up.
    func logged(_ error: Error, _ operation: String, _ key: NodeKey) -> FSError {
        FSError.from(error).adding(context: operation)
    }

    func requireWritable(_ key: NodeKey) throws -> Backend {
        if options.readOnly { throw FSError.readOnly }
        let backend = try backend(for: key)
        if !backend.isWritable { throw FSError.readOnly }
        if key.path.isRoot { throw FSError.permissionDenied }
        return backend
    }
}
