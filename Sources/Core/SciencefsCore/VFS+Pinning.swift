import Foundation
import SciencefsStore

/// Pinning and eviction on request, through control xattrs on the file itself (`sciencefs pin|unpin` and
/// `sciencefs cache evict` set them, so the CLI and `setfattr` are one mechanism):
///
///     setfattr -n user.sciencefs.pin -v 1 FILE     fetch FILE whole into the data cache and never evict it
///     setfattr -n user.sciencefs.pin -v 0 FILE     unpin: LRU eviction may take it again
///     setfattr -n user.sciencefs.evict -v 1 PATH   drop the cached bytes of a file, or of a directory's files
///
/// ENOSPC: the pinned files together would exceed `data_cache_size_mb`, or the cache could not hold the bytes.
/// EBUSY: `evict` of a pinned file. EISDIR: `pin` of a directory (the CLI pins each file below it). EOPNOTSUPP:
/// the mount has no data cache. A pin is written to SQLite before the fetch, and undone if the fetch fails.
extension VFS {
    public static let pinAttribute = "user.sciencefs.pin"
    public static let evictAttribute = "user.sciencefs.evict"

    /// Handles the names above; false for any other name.
    func handleCacheControl(_ ino: UInt64, name: String, value: [UInt8]) throws -> Bool {
        guard name == Self.pinAttribute || name == Self.evictAttribute else { return false }
        let key = try key(for: ino)
        guard let dataCache, let source = key.source, source != ControlBackend.sourceName, !key.path.isRoot else {
            throw FSError.unsupported
        }
        let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text == "1" || text == "0" else { throw FSError.invalidArgument("\(name) takes 1 or 0, not \(text)") }
        do {
            if name == Self.evictAttribute {
                if text == "1" { try dataCache.evict(source: source, path: key.path.string) }
            } else if text == "1" {
                try pin(key, in: dataCache)
            } else {
                try dataCache.unpin(source: source, path: key.path.string)
            }
        } catch PinRefusal.pinned {
            throw FSError.busy
        } catch PinRefusal.overCapacity {
            throw FSError.noSpace
        }
        logger.info("\(name) set", metadata: ["path": "\(key)", "value": "\(text)"])
        return true
    }

    /// Pins a file and brings it whole into the cache (a file already complete there costs no request).
    private func pin(_ key: NodeKey, in dataCache: DataCache) throws {
        let attributes = try attributes(of: key)
        guard attributes.kind == .file else { throw FSError.isDirectory }
        let source = key.source ?? ""
        try dataCache.pin(source: source, path: key.path.string, size: attributes.size)
        do {
            let object = try fetchWhole(key, attributes: attributes, into: dataCache)
            try verifyPinned(key, attributes: attributes, object: object)
        } catch {
            try? dataCache.unpin(source: source, path: key.path.string)
            throw error
        }
    }

    /// A pinned file is kept for good, so it is checked against the service's checksums now, as its first read
    /// would check it: a corrupt copy is evicted and the pin fails with EIO instead of keeping bad bytes.
    private func verifyPinned(_ key: NodeKey, attributes: RemoteAttributes, object: CachedObject) throws {
        let (checksums, mode) = try verificationPlan(key, attributes: attributes)
        guard mode != nil, !checksums.isEmpty else { return }
        let check = ReadHandle(key: key, attributes: attributes, cacheObject: object,
                               readahead: ReadaheadWindow(initial: options.initialReadahead, maximum: options.maxReadahead),
                               checksums: checksums, verifyMode: mode)
        check.readLock.lock()
        defer { check.readLock.unlock() }
        try verifyIfNewlyComplete(check, size: attributes.size)
    }

    private func fetchWhole(_ key: NodeKey, attributes: RemoteAttributes, into dataCache: DataCache) throws
        -> CachedObject {
        let object = try dataCache.object(source: key.source ?? "", path: key.path.string,
                                          version: Self.version(of: attributes))
        let size = attributes.size
        if object.isComplete(size: size) { return object }
        let backend = try backend(for: key)
        var cursor: UInt64 = 0
        var kept = true
        do {
            _ = try backend.read(key.path, offset: 0, length: size) { chunk in
                if kept { kept = try object.write(at: cursor, bytes: chunk) }
                cursor += UInt64(chunk.count)
            }
        } catch {
            throw logged(error, "pin", key)
        }
        guard kept, object.isComplete(size: size) else {
            throw FSError.noSpace
        }
        return object
    }
}
