import Foundation
import SciencefsStore

/// Opening and closing files: `open` and `create` give a `ReadHandle` or a `WriteHandle`, `release` ends either.
/// What each kind does is in VFS+Reads (reads and readahead), VFS+Writes (writes and close), VFS+Staging (the staged
/// file a writer fills) and VFS+Uploads (getting it to the server).
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
            return register(WriteHandle(key: key, attributes: attrs, staged: staged, readahead: readaheadWindow()))
        }
        let beingWritten = stagedFile(key) != nil
        // Written while the source was unreachable, and not uploaded yet: the mount shows this file, so it reads it.
        if !beingWritten, let parked = parkedCopy(of: key) {
            return register(ReadHandle(key: key, attributes: attrs, cacheObject: nil, readahead: readaheadWindow(),
                                       parkedCopy: parked))
        }
        if !beingWritten {
            do {
                try backend(for: key).prepareRead(key.path, attributes: attrs, nonBlocking: flags.nonBlocking)
            } catch {
                throw logged(error, "open", key)
            }
        }
        let (checksums, mode) = try verificationPlan(key, attributes: attrs)
        let object = cacheObject(for: key, attributes: attrs)
        return register(ReadHandle(key: key, attributes: attrs, cacheObject: object, readahead: readaheadWindow(),
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
        let fh = register(WriteHandle(key: key, attributes: attrs, staged: staged, readahead: readaheadWindow()))
        return (fileAttributes(attrs, key: key, ino: ino), fh)
    }

    /// Called when the last descriptor of a handle closes (after `flush`): a writer's last close uploads what
    /// `flush` did not, a reader gives back its readahead and any copy it kept of an unlinked file.
    public func release(handle fh: UInt64) {
        lock.lock()
        let file = handles.remove(fh)
        lock.unlock()
        serverCopies.finish(target: fh)
        switch file {
        case let writer as WriteHandle: releaseWriter(writer)
        case let reader as ReadHandle: releaseReader(reader)
        default: break
        }
    }

    func openHandle(_ fh: UInt64) throws -> OpenHandle {
        lock.lock()
        defer { lock.unlock() }
        guard let file = handles.get(fh) else { throw FSError.invalidArgument("unknown file handle \(fh)") }
        return file
    }

    /// The handle `fh` when it was opened for writing; EACCES for a read handle (what `write` always answered).
    func writeHandle(_ fh: UInt64) throws -> WriteHandle {
        guard let writer = try openHandle(fh) as? WriteHandle else { throw FSError.permissionDenied }
        return writer
    }

    private func register(_ file: OpenHandle) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return handles.add(file)
    }

    private func readaheadWindow() -> ReadaheadWindow {
        ReadaheadWindow(initial: options.initialReadahead, maximum: options.maxReadahead)
    }

    func cacheObject(for key: NodeKey, attributes: RemoteAttributes) -> CachedObject? {
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
