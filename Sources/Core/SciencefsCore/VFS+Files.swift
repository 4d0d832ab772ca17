import Foundation
import SciencefsStore

/// Open files: reads through the data cache with readahead, writes staged locally and uploaded on close.
extension VFS {
    public struct OpenFlags: Sendable {
        public var accessMode: Int32
        public var truncate: Bool
        public var append: Bool
        /// O_NONBLOCK: data that must first be staged (tape) gives EAGAIN instead of waiting.
        public var nonBlocking: Bool

        public init(rawValue: Int32) {
            accessMode = rawValue & O_ACCMODE
            truncate = rawValue & O_TRUNC != 0
            append = rawValue & O_APPEND != 0
            nonBlocking = rawValue & O_NONBLOCK != 0
        }

        public var writes: Bool { accessMode == O_WRONLY || accessMode == O_RDWR }
    }

    /// Opens `ino`; returns the handle number for the kernel.
    public func open(_ ino: UInt64, flags: OpenFlags) throws -> UInt64 {
        let key = try key(for: ino)
        let attrs = try attributes(of: key)
        if attrs.kind == .directory {
            if flags.writes { throw FSError.isDirectory }
            return 0
        }
        if flags.writes {
            let backend = try requireWritable(key)
            let staged = try stageForWriting(key, backend: backend, current: attrs, truncate: flags.truncate)
            return register(OpenFile(key: key, attributes: attrs, writable: true, staged: staged, cacheObject: nil,
                                     readahead: readaheadWindow()))
        }
        if stagedFile(key) == nil {
            do {
                try backend(for: key).prepareRead(key.path, attributes: attrs, nonBlocking: flags.nonBlocking)
            } catch {
                throw logged(error, "open", key)
            }
        }
        let (checksums, mode) = try verificationPlan(key, attributes: attrs)
        let object = cacheObject(for: key, attributes: attrs)
        return register(OpenFile(key: key, attributes: attrs, writable: false, staged: nil,
                                 cacheObject: object, readahead: readaheadWindow(),
                                 prefetcher: prefetcher(for: key, attributes: attrs, object: object),
                                 checksums: checksums, verifyMode: mode))
    }

    /// Creates and opens a new file `name` in `parent`; the upload happens on close.
    public func create(parent: UInt64, name: String, permissions: UInt16, flags: OpenFlags) throws
        -> (attributes: FileAttributes, handle: UInt64) {
        try validate(name: name)
        let parentKey = try key(for: parent)
        let key = parentKey.child(name)
        let backend = try requireWritable(key)
        let parentAttributes = try attributes(of: parentKey)
        guard parentAttributes.kind == .directory else { throw FSError.notDirectory }
        let existing: RemoteAttributes?
        do { existing = try attributes(of: key) } catch FSError.notFound { existing = nil }
        if existing?.kind == .directory { throw FSError.isDirectory }
        if existing == nil {
            // Refused here, where the service's answer is known up front, rather than at close, which would leave a
            // name in the listing that the server never had.
            do { try backend.checkCreate(key.path, parent: parentAttributes) } catch {
                throw logged(error, "create", key)
            }
        }
        let staged = try stageForWriting(key, backend: backend, current: existing, truncate: true,
                                         permissions: permissions & 0o777)
        let attrs = staged.attributes()
        metadata.added(key, attributes: attrs, now: clock.now())
        if existing == nil {
            overlays.set(key, mode: permissions & 0o7777, rebind: true)
            touchDirectory(parentKey)
        }
        lock.lock()
        let ino = inodes.lookup(key)
        lock.unlock()
        let fh = register(OpenFile(key: key, attributes: attrs, writable: true, staged: staged, cacheObject: nil,
                                   readahead: readaheadWindow()))
        return (fileAttributes(attrs, key: key, ino: ino), fh)
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns the count (0 at end of file).
    public func read(handle fh: UInt64, offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let file = try openFile(fh)
        if let staged = localBytes(for: file), !staged.holdsServerCopy {
            return try staged.read(into: buffer, at: offset)
        }
        let size = file.attributes.size
        guard offset < size, buffer.count > 0 else { return 0 }
        let end = min(size, offset + UInt64(buffer.count))
        file.readLock.lock()
        defer { file.readLock.unlock() }
        try checkIntegrity(file)
        file.readahead.noteRead(at: offset, length: end - offset)
        // Readahead is scheduled once this read's own bytes are in hand: started first, its requests would compete
        // with the one the reader is waiting for (the first read of a file would wait for both).
        defer { scheduleReadahead(file, end: end) }
        var position = offset
        while position < end {
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[Int(position - offset)..<Int(end - offset)])
            if let object = file.cacheObject {
                let cached = object.cachedLength(at: position, max: end - position)
                if cached > 0 {
                    let n = try object.read(at: position,
                                            into: UnsafeMutableRawBufferPointer(rebasing: target[0..<Int(cached)]))
                    guard n > 0 else { break }
                    position += UInt64(n)
                    continue
                }
                // Readahead is bringing these bytes: wait for them rather than asking again.
                if let prefetcher = file.prefetcher, prefetcher.isInFlight(position),
                   prefetcher.waitForBytes(at: position) {
                    continue
                }
            }
            // With readahead running past `end`, fetch only what this read needs; otherwise fetch a growing window.
            let wanted = file.prefetcher != nil && file.readahead.isSequential
                ? end - position : file.readahead.nextFetchSize(atLeast: end - position)
            let length = min(wanted, size - position)
            // Another reader of the file may be fetching these bytes right now: wait for them instead.
            let claimed = position..<(position + length)
            if let prefetcher = file.prefetcher, file.cacheObject != nil, !prefetcher.claim(claimed) {
                _ = prefetcher.waitForBytes(at: position)
                continue
            }
            let fetched: UInt64
            do {
                defer { file.prefetcher?.unclaim(claimed) }
                fetched = try fetch(file, from: position, length: length, copyingInto: target)
            }
            guard fetched > 0 else { break }
            position += UInt64(min(fetched, UInt64(target.count)))
        }
        try verifyIfNewlyComplete(file, size: size)
        return Int(position - offset)
    }

    /// Where the bytes of a read lie when the data cache holds all of them: the FUSE adapter then hands the
    /// kernel the cache file's descriptor (splice) instead of copying the bytes through a buffer.
    ///
    /// The descriptor belongs to the open handle and stays open until `release`, which the kernel sends only
    /// after the handle's reads have been answered.
    public struct CachedRegion: Sendable {
        public let descriptor: Int32
        public let offset: UInt64
        public let length: Int
    }

    /// When the data cache holds every byte of a read of `length` at `offset` (clipped to the file's size), or
    /// readahead in flight is bringing the missing ones, does what `read` does for it (readahead, checksum check
    /// on completion) and returns where the bytes are; nil otherwise (or at or past the end), and then
    /// `read(handle:offset:into:)` answers.
    public func cachedRegion(handle fh: UInt64, offset: UInt64, length: Int) throws -> CachedRegion? {
        let file = try openFile(fh)
        guard localBytes(for: file) == nil, let object = file.cacheObject else { return nil }
        let size = file.attributes.size
        guard offset < size, length > 0 else { return nil }
        let end = min(size, offset + UInt64(length))
        file.readLock.lock()
        defer { file.readLock.unlock() }
        try checkIntegrity(file)
        let wanted = end - offset
        var cached = object.cachedRun(at: offset, max: wanted)
        // Readahead is bringing the rest: wait for it, so the reply can still come from the cache file.
        while cached < wanted, let prefetcher = file.prefetcher, prefetcher.isInFlight(offset + cached),
              prefetcher.waitForBytes(at: offset + cached) {
            cached = object.cachedRun(at: offset, max: wanted)
        }
        guard cached == wanted else { return nil }
        _ = object.cachedLength(at: offset, max: wanted) // counted as a cache hit
        file.readahead.noteRead(at: offset, length: end - offset)
        scheduleReadahead(file, end: end)
        try verifyIfNewlyComplete(file, size: size)
        return object.withFileDescriptor { CachedRegion(descriptor: $0, offset: offset, length: Int(end - offset)) }
    }

    /// Called under the read lock after every read was noted: keeps readahead ahead of a sequential reader.
    private func scheduleReadahead(_ file: OpenFile, end: UInt64) {
        guard let prefetcher = file.prefetcher else { return }
        if file.readahead.isSequential {
            let reach = file.readahead.prefetchHorizon(cap: options.maxReadahead * UInt64(options.prefetchDepth))
            prefetcher.readAhead(from: end, reach: reach, minimum: options.initialReadahead,
                                 maximum: options.maxReadahead)
        } else {
            prefetcher.reset()
        }
    }

    /// One ranged request: bytes go to the disk cache and, for the part the caller asked for, straight into its
    /// buffer. A cache write failure (a full disk) is logged and the read still succeeds from the network.
    private func fetch(_ file: OpenFile, from start: UInt64, length: UInt64,
                       copyingInto target: UnsafeMutableRawBufferPointer) throws -> UInt64 {
        let backend = try backend(for: file.key)
        var cursor = start
        var cacheUsable = file.cacheObject != nil
        do {
            return try backend.read(file.key.path, offset: start, length: length) { chunk in
                let relative = Int(cursor - start)
                if relative < target.count, let base = target.baseAddress, let src = chunk.baseAddress {
                    let n = min(chunk.count, target.count - relative)
                    (base + relative).copyMemory(from: src, byteCount: n)
                }
                if cacheUsable, let object = file.cacheObject {
                    do { try object.write(at: cursor, bytes: chunk) } catch {
                        cacheUsable = false
                        logger.warning("data cache write failed; reading on without caching",
                                       metadata: ["path": "\(file.key)", "error": "\(error)"])
                    }
                }
                cursor += UInt64(chunk.count)
            }
        } catch {
            throw logged(error, "read", file.key)
        }
    }

    public func write(handle fh: UInt64, offset: UInt64, bytes: UnsafeRawBufferPointer) throws -> Int {
        let file = try openFile(fh)
        guard file.writable, let staged = file.staged else { throw FSError.permissionDenied }
        let written: Int
        do {
            written = try staged.write(bytes, at: offset, now: clock.now())
        } catch {
            throw logged(error, "write to staging file", file.key)
        }
        // A write after `touch -d` makes the file newer than the time that was set.
        overlays.clearMtime(file.key)
        return written
    }

    /// Called on every `close()` of a descriptor: uploads staged bytes, so close reports a failed upload.
    public func flush(handle fh: UInt64) throws {
        guard let file = try? openFile(fh), let staged = file.staged else { return }
        try upload(staged)
    }

    public func release(handle fh: UInt64) {
        lock.lock()
        let file = handles.remove(fh)
        lock.unlock()
        serverCopies.finish(target: fh)
        if let prefetcher = file?.prefetcher { prefetchers.release(prefetcher) }
        if let file, file.staged == nil {
            lock.lock()
            let copy = file.localCopy
            lock.unlock()
            if let copy { releaseOrphanCopy(copy) }
            return
        }
        guard let file, let staged = file.staged else { return }
        staged.lock.lock()
        staged.openCount -= 1
        let last = staged.openCount == 0
        let dirty = staged.dirty && !staged.uploadFailed
        staged.lock.unlock()
        guard last else { return }
        if dirty {
            // flush() normally uploaded already; this is the safety net for a descriptor closed without one.
            do { try upload(staged) } catch {
                // No request waits for this upload, so its failure is logged here (the one line it gets).
                logger.error("upload at release failed; staged bytes kept",
                             metadata: ["path": "\(staged.key)", "staging": "\(staged.url.path)",
                                        "errno": "\(FSError.from(error).errnoName)", "cause": "\(FSError.from(error))"])
            }
        }
        finishStaging(staged)
    }

    /// Uploads a staged file if it has unsent bytes. On failure the journal row is marked failed and the
    /// staging file is kept: an accepted write is never dropped.
    func upload(_ staged: StagedFile) throws {
        staged.uploadLock.lock()
        defer { staged.uploadLock.unlock() }
        staged.lock.lock()
        let dirty = staged.dirty && !staged.unlinked
        staged.lock.unlock()
        guard dirty else { return }
        let backend = try backend(for: staged.key)
        uploads.begin()
        defer { uploads.end() }
        do {
            try staged.sync()
            recordUploadState(staged, .uploading)
            staged.lock.lock()
            staged.dirty = false
            staged.uploading = true
            staged.lock.unlock()
            defer {
                staged.lock.lock()
                staged.uploading = false
                staged.lock.unlock()
            }
            var attrs = try backend.upload(from: staged.url, to: staged.key.path)
            let local = staged.attributes()
            attrs.size = local.size
            recordUploadState(staged, .done)
            staged.lock.lock()
            staged.uploadFailed = false
            staged.lock.unlock()
            metadata.added(staged.key, attributes: attrs, now: clock.now())
            overlays.unbind(staged.key)
            try? dataCache?.remove(source: staged.key.source ?? "", path: staged.key.path.string)
            logger.debug("uploaded", metadata: ["path": "\(staged.key)", "bytes": "\(local.size)"])
        } catch {
            staged.lock.lock()
            staged.dirty = true
            staged.uploadFailed = true
            staged.lock.unlock()
            let fsError = logged(error, "upload (the staged bytes are kept for retry)", staged.key)
            if let id = staged.journalID {
                try? store?.setUploadState(id: id, state: .failed, error: "\(fsError)")
            }
            throw fsError
        }
    }

    /// Journal bookkeeping must not stop an upload: on a full disk SQLite cannot record the new state, but the
    /// upload needs no space and is what frees it. A row left behind in an older state is resumed after a crash,
    /// which repeats an idempotent upload.
    private func recordUploadState(_ staged: StagedFile, _ state: UploadState) {
        guard let id = staged.journalID else { return }
        do { try store?.setUploadState(id: id, state: state, error: nil) } catch {
            logger.warning("cannot record upload state in the journal; uploading anyway",
                           metadata: ["path": "\(staged.key)", "state": "\(state)", "error": "\(error)"])
        }
    }

    /// The last handle on a staged file closed: drop the staging copy if it reached the server, else keep it.
    private func finishStaging(_ staged: StagedFile) {
        lock.lock()
        if self.staged[staged.key] === staged { self.staged[staged.key] = nil }
        lock.unlock()
        dropOrphan(staged)
        staged.close()
        staged.lock.lock()
        let uploaded = !staged.dirty || staged.unlinked
        staged.lock.unlock()
        if uploaded {
            try? FileManager.default.removeItem(at: staged.url)
            if let id = staged.journalID { try? store?.removeUpload(id: id) }
        } else {
            // The server does not have these bytes: show the server's truth (the name goes from the listing until
            // the server is asked again), keep ours in the journal for `sciencefs uploads`.
            metadata.forget(staged.key)
        }
    }

    /// The staged file for `key`, creating it (empty, or a copy of the remote bytes) if no handle has it open.
    private func stageForWriting(_ key: NodeKey, backend: Backend, current: RemoteAttributes?, truncate: Bool,
                                 permissions: UInt16? = nil) throws -> StagedFile {
        lock.lock()
        if let existing = staged[key] {
            existing.lock.lock()
            existing.openCount += 1
            existing.lock.unlock()
            lock.unlock()
            if truncate { try existing.truncate(to: 0, now: clock.now()) }
            return existing
        }
        lock.unlock()
        let url = stagingDirectory.appendingPathComponent(UUID().uuidString)
        let fd = Foundation.open(url.path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw logged(FSError.fromErrno(errno), "create staging file", key) }
        let journalID: Int64?
        do {
            journalID = try store?.addUpload(source: key.source ?? "", path: key.path.string, stagingFile: url.path)
        } catch {
            Foundation.close(fd)
            try? FileManager.default.removeItem(at: url)
            let failure = StoreError.isDiskFull(error) ? FSError.noSpace : FSError.io("upload journal: \(error)")
            throw logged(failure, "open for writing", key)
        }
        let file = StagedFile(key: key, url: url, fd: fd, journalID: journalID, size: 0, mtime: clock.now(),
                              dirty: truncate, permissions: permissions ?? current?.permissions ?? 0o644)
        file.openCount = 1
        if !truncate, let current, current.size > 0 {
            do { try copyRemote(key, backend: backend, size: current.size, into: file) } catch {
                file.close()
                try? FileManager.default.removeItem(at: url)
                if let journalID { try? store?.removeUpload(id: journalID) }
                throw logged(error, "copy for writing", key)
            }
        }
        lock.lock()
        if let raced = staged[key] {
            lock.unlock()
            file.close()
            try? FileManager.default.removeItem(at: url)
            if let journalID { try? store?.removeUpload(id: journalID) }
            raced.lock.lock()
            raced.openCount += 1
            raced.lock.unlock()
            return raced
        }
        staged[key] = file
        lock.unlock()
        return file
    }

    /// Fills a staged file with the remote object's bytes (open for writing without O_TRUNC).
    private func copyRemote(_ key: NodeKey, backend: Backend, size: UInt64, into file: StagedFile) throws {
        var offset: UInt64 = 0
        try backend.read(key.path, offset: 0, length: size) { chunk in
            _ = try file.write(chunk, at: offset, now: clock.now())
            offset += UInt64(chunk.count)
        }
        file.lock.lock()
        file.dirty = false
        file.lock.unlock()
    }

    func openFile(_ fh: UInt64) throws -> OpenFile {
        lock.lock()
        defer { lock.unlock() }
        guard let file = handles.get(fh) else { throw FSError.invalidArgument("unknown file handle \(fh)") }
        return file
    }

    private func register(_ file: OpenFile) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return handles.add(file)
    }

    /// Background readahead needs somewhere to put the bytes: only handles with a cache object get one. Every handle
    /// on one version of the file shares it (`SharedPrefetchers`); `release` gives it back.
    private func prefetcher(for key: NodeKey, attributes: RemoteAttributes, object: CachedObject?) -> Prefetcher? {
        guard let object, options.prefetchDepth > 0, options.readaheadBudget > 0,
              let backend = try? backend(for: key) else { return nil }
        let path = key.path
        let shared = "\(key.source ?? "")\u{0}\(path.string)\u{0}\(Self.version(of: attributes))"
        return prefetchers.acquire(shared) {
            Prefetcher(object: object, size: attributes.size, depth: options.prefetchDepth,
                       pool: prefetchers.pool) { start, length, sink in
                _ = try backend.read(path, offset: start, length: length, sink: sink)
            }
        }
    }

    private func readaheadWindow() -> ReadaheadWindow {
        ReadaheadWindow(initial: options.initialReadahead, maximum: options.maxReadahead)
    }

    private func cacheObject(for key: NodeKey, attributes: RemoteAttributes) -> CachedObject? {
        guard let dataCache, let source = key.source else { return nil }
        let version = Self.version(of: attributes)
        do {
            return try dataCache.object(source: source, path: key.path.string, version: version)
        } catch {
            logger.warning("data cache unavailable for file; reading uncached",
                           metadata: ["path": "\(key)", "error": "\(error)"])
            return nil
        }
    }
}
