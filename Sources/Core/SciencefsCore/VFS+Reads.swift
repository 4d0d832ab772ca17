import Foundation
import SciencefsStore

/// Reads of an open file through the data cache, with readahead.
extension VFS {
    /// Reads up to `buffer.count` bytes at `offset`; returns the count (0 at end of file).
    public func read(handle fh: UInt64, offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let handle = try openHandle(fh)
        if let staged = localBytes(for: handle), !staged.holdsServerCopy {
            return try staged.read(into: buffer, at: offset)
        }
        let file = readHandle(handle)
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
        // The read that reaches the end lets readahead's bytes reach the cache first, so the file is complete there
        // (and checked, below) before the reader has its last byte.
        if end == size { _ = file.prefetcher?.awaitBytes(offset..<end, fromMemory: false) }
        var position = offset
        reading: while position < end {
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[Int(position - offset)..<Int(end - offset)])
            // How much to fetch when nobody brings the bytes: with readahead running past `end`, only what this
            // read needs; otherwise a growing window.
            let fetchLength = { () -> UInt64 in
                let wanted = file.prefetcher != nil && file.readahead.isSequential
                    ? end - position : file.readahead.nextFetchSize(atLeast: end - position)
                return min(wanted, size - position)
            }
            if let prefetcher = file.prefetcher, let object = file.cacheObject {
                // Landed, cached, on its way (waited for), or claimed and fetched here: decided in one look.
                switch prefetcher.nextStep(at: position, into: target, fetchLength: fetchLength) {
                case .copied(let count):
                    position += UInt64(count)
                case .cached(let run):
                    let n = try object.read(at: position, into: UnsafeMutableRawBufferPointer(rebasing: target[0..<Int(run)]))
                    guard n > 0 else { break reading }
                    position += UInt64(n)
                case .fetch(let claimed):
                    let fetched: UInt64
                    do {
                        defer { prefetcher.unclaim(claimed) }
                        fetched = try fetch(file, from: position, length: claimed.upperBound - claimed.lowerBound,
                                            copyingInto: target)
                    }
                    guard fetched > 0 else { break reading }
                    position += min(fetched, UInt64(target.count))
                }
                continue
            }
            if let object = file.cacheObject {
                let cached = object.cachedLength(at: position, max: end - position)
                if cached > 0 {
                    let n = try object.read(at: position, into: UnsafeMutableRawBufferPointer(rebasing: target[0..<Int(cached)]))
                    guard n > 0 else { break }
                    position += UInt64(n)
                    continue
                }
            }
            let fetched = try fetch(file, from: position, length: fetchLength(), copyingInto: target)
            guard fetched > 0 else { break }
            position += UInt64(min(fetched, UInt64(target.count)))
        }
        try verifyIfNewlyComplete(file, size: size)
        return Int(position - offset)
    }

    /// Where the bytes of a read lie when the data cache holds all of them: the FUSE adapter then reads them from
    /// the cache file's descriptor into its reply buffer.
    ///
    /// The descriptor belongs to the open handle and stays open until `release`, which the kernel sends only
    /// after the handle's reads have been answered.
    public struct CachedRegion: Sendable {
        public let descriptor: Int32
        public let offset: UInt64
        public let length: Int
    }

    /// The bytes of a read, ready to be handed to the kernel without copying them through the caller's buffer.
    public enum ReadyBytes: Sendable {
        /// In the cache file.
        case file(CachedRegion)
        /// In memory, just received by readahead (the cache file gets them after).
        case memory(LandedBytes)
    }

    /// When every byte of a read of `length` at `offset` (clipped to the file's size) is in the data cache, or in
    /// one block readahead received, or is being brought by readahead in flight (it then waits for them), does
    /// what `read` does for it (readahead, checksum check on completion) and says where the bytes are; nil
    /// otherwise (or at or past the end), and then `read(handle:offset:into:)` answers.
    public func readyBytes(handle fh: UInt64, offset: UInt64, length: Int) throws -> ReadyBytes? {
        guard let file = try openHandle(fh) as? ReadHandle, localBytes(for: file) == nil,
              let object = file.cacheObject else { return nil }
        let size = file.attributes.size
        guard offset < size, length > 0 else { return nil }
        let end = min(size, offset + UInt64(length))
        file.readLock.lock()
        defer { file.readLock.unlock() }
        try checkIntegrity(file)
        let wanted = end - offset
        let ready: ReadyBytes
        switch file.prefetcher?.awaitBytes(offset..<end, fromMemory: end < size) {
        case .landed(let bytes)?:
            ready = .memory(bytes)
        case .elsewhere?:
            return nil
        case .cached?, nil:
            guard object.cachedRun(at: offset, max: wanted) == wanted else { return nil }
            _ = object.cachedLength(at: offset, max: wanted) // counted as a cache hit
            ready = object.withFileDescriptor { .file(CachedRegion(descriptor: $0, offset: offset, length: Int(wanted))) }
        }
        file.readahead.noteRead(at: offset, length: wanted)
        scheduleReadahead(file, end: end)
        try verifyIfNewlyComplete(file, size: size)
        return ready
    }

    /// Called under the read lock after every read was noted: keeps readahead ahead of a sequential reader.
    private func scheduleReadahead(_ file: ReadHandle, end: UInt64) {
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
    private func fetch(_ file: ReadHandle, from start: UInt64, length: UInt64,
                       copyingInto target: UnsafeMutableRawBufferPointer) throws -> UInt64 {
        let backend = try backend(for: file.key)
        var cursor = start
        var cacheUsable = file.cacheObject != nil
        let path = file.key.path
        do {
            return try reaching(file.key, probe: { _ = try backend.stat(path) }) {
                try backend.read(path, offset: start, length: length) { chunk in
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
            }
        } catch {
            throw logged(error, "read", file.key)
        }
    }

    /// Background readahead needs somewhere to put the bytes: only handles with a cache object get one. Every handle
    /// on one version of the file shares it (`SharedPrefetchers`); `release` gives it back.
    func prefetcher(for key: NodeKey, attributes: RemoteAttributes, object: CachedObject?) -> Prefetcher? {
        guard let object, options.prefetchDepth > 0, options.readaheadBudget > 0,
              let backend = try? backend(for: key) else { return nil }
        let path = key.path
        let shared = "\(key.source ?? "")\u{0}\(path.string)\u{0}\(Self.version(of: attributes))"
        return prefetchers.acquire(shared) {
            Prefetcher(object: object, size: attributes.size, depth: options.prefetchDepth,
                       pool: prefetchers.pool, writes: prefetchers.writes) { [weak self] start, length, sink in
                guard let self else { _ = try backend.read(path, offset: start, length: length, sink: sink); return }
                try self.reaching(key, probe: { _ = try backend.stat(path) }) {
                    _ = try backend.read(path, offset: start, length: length, sink: sink)
                }
            }
        }
    }

    /// Where a handle's network reads go: a read handle is itself; a write handle reads the server's bytes only
    /// after a server-side copy, uncached.
    private func readHandle(_ handle: OpenHandle) -> ReadHandle {
        if let writer = handle as? WriteHandle { return writer.serverReads }
        // Every handle is one of the two kinds.
        return handle as! ReadHandle
    }
}

extension VFS {
    /// The last close of a reader: gives back its share of readahead, closes the parked upload it read, and gives
    /// back a copy it kept of an unlinked file.
    func releaseReader(_ file: ReadHandle) {
        if let prefetcher = file.prefetcher { prefetchers.release(prefetcher) }
        file.parkedCopy?.close()
        lock.lock()
        let copy = file.localCopy
        lock.unlock()
        if let copy { releaseOrphanCopy(copy) }
    }
}
