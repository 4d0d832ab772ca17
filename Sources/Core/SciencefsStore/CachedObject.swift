import Foundation

/// An open handle on one cached object (one version of one remote file). Thread-safe: several readers may share
/// it. Holds its own descriptor on the sparse file, so bytes it has checked with `cachedLength` stay readable even
/// if the object is evicted meanwhile; after eviction it reports nothing cached and records nothing new. Checked
/// `Sendable`: every stored property is a `let`, and the shared `entry` is guarded by its own lock (lookups of one
/// object never wait for another's; see `DataCache`).
public final class CachedObject: Sendable {
    private let cache: DataCache
    let entry: CacheEntry
    private let descriptor: Int32

    public var version: String { entry.version }

    init(cache: DataCache, entry: CacheEntry, descriptor: Int32) {
        self.cache = cache
        self.entry = entry
        self.descriptor = descriptor
    }

    deinit {
        cache.handleClosed(entry)
        close(descriptor)
    }

    /// Length of the cached run starting exactly at `offset` (0 if `offset` is not cached), capped at `max`.
    /// Counts as a cache hit (non-zero) or miss (zero) in `DataCache.usage`.
    public func cachedLength(at offset: UInt64, max: UInt64) -> UInt64 {
        cache.cachedLength(entry, at: offset, max: max)
    }

    /// `cachedLength` without counting a cache lookup: for readahead bookkeeping, which is not a read.
    public func cachedRun(at offset: UInt64, max: UInt64) -> UInt64 {
        cache.cachedLength(entry, at: offset, max: max, counted: false)
    }

    /// Copies cached bytes at `offset` into `buffer` (the caller checked they are present with `cachedLength`).
    /// Returns the number of bytes read; fewer than `buffer.count` only at the end of the sparse file.
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes `bytes` at `offset` and records the range as cached, evicting other objects (least recently used
    /// first) if the cache goes over its cap. Returns false, without writing, when the bytes cannot be kept: the
    /// object was evicted or replaced meanwhile, or it would not fit in the cache even alone. A failed `pwrite`
    /// throws its `POSIXError` — a full disk is `POSIXError(.ENOSPC)` — and records nothing.
    @discardableResult
    public func write(at offset: UInt64, bytes: UnsafeRawBufferPointer) throws -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        guard cache.beginWrite(entry, length: UInt64(bytes.count)) else { return false }
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                let code = POSIXErrorCode(rawValue: errno) ?? .EIO
                cache.abandonWrite(entry)
                if code == .ENOSPC { cache.diskFull(entry) }
                throw POSIXError(code)
            }
            if n == 0 {
                cache.abandonWrite(entry)
                throw POSIXError(.EIO)
            }
            done += n
        }
        return cache.finishWrite(entry, start: offset, end: offset + UInt64(bytes.count))
    }

    /// Runs `body` with the sparse file's descriptor (read-only use: whole-file checksums).
    public func withFileDescriptor<T>(_ body: (Int32) throws -> T) rethrows -> T {
        try body(descriptor)
    }

    /// Whether all of `[0, size)` is cached (e.g. to verify a whole-file checksum).
    public func isComplete(size: UInt64) -> Bool {
        cache.isComplete(entry, size: size)
    }
}
