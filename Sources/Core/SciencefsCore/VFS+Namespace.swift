import Foundation

/// Changes to the tree: mkdir, unlink, rmdir, rename, setattr.
extension VFS {
    public func mkdir(parent: UInt64, name: String) throws -> FileAttributes {
        try validate(name: name)
        let key = try key(for: parent).child(name)
        let backend = try requireWritable(key)
        if (try? attributes(of: key)) != nil { throw FSError.exists }
        let attrs: RemoteAttributes
        do { attrs = try backend.makeDirectory(key.path) } catch { throw logged(error, "mkdir", key) }
        let now = clock.now()
        metadata.added(key, attributes: attrs, now: now)
        // A new directory is empty: remember that, so the first `ls` in it costs no request.
        metadata.save(listing: [], of: key, now: now)
        touchDirectory(key.parent)
        lock.lock()
        let ino = inodes.lookup(key)
        lock.unlock()
        return fileAttributes(attrs, key: key, ino: ino)
    }

    public func unlink(parent: UInt64, name: String) throws {
        let key = try key(for: parent).child(name)
        let backend = try requireWritable(key)
        let attrs = try attributes(of: key)
        if attrs.kind == .directory { throw FSError.isDirectory }
        // A file still being written may not have reached the server yet: a missing remote object is fine then.
        // An upload already under way finishes first (its lock), so it cannot put the file back after the delete;
        // `removed` then marks the staged file unlinked and nothing more is uploaded. Lock order: uploadLock, then
        // VFS.lock.
        let writer = stagedFile(key)
        let beingWritten = writer != nil
        writer?.uploadLock.lock()
        defer { writer?.uploadLock.unlock() }
        // Descriptors still open keep the file's bytes until their last close, as on a local disk: readers get a
        // local copy before the server's object goes.
        let keeper = try keepBytesForOpenHandles(key, attributes: attrs)
        do { try backend.delete(key.path, kind: .file) } catch FSError.notFound where beingWritten {} catch {
            keeper?.discard()
            throw logged(error, "unlink", key)
        }
        keeper?.detach()
        removed(key, isDirectory: false)
        touchDirectory(key.parent)
    }

    public func rmdir(parent: UInt64, name: String) throws {
        let key = try key(for: parent).child(name)
        let backend = try requireWritable(key)
        let attrs = try attributes(of: key)
        guard attrs.kind == .directory else { throw FSError.notDirectory }
        // Remote deletes are recursive; POSIX rmdir is not. Ask the server, not the cache, whether it is empty.
        guard try listing(of: key, fresh: true).isEmpty else { throw FSError.notEmpty }
        do { try backend.delete(key.path, kind: .directory) } catch { throw logged(error, "rmdir", key) }
        removed(key, isDirectory: true)
        touchDirectory(key.parent)
    }

    public struct RenameFlags: Sendable {
        public var noReplace: Bool
        public var exchange: Bool
        public init(rawValue: UInt32) {
            noReplace = rawValue & 1 != 0  // RENAME_NOREPLACE
            exchange = rawValue & 2 != 0   // RENAME_EXCHANGE
        }
    }

    public func rename(parent: UInt64, name: String, newParent: UInt64, newName: String,
                       flags: RenameFlags = RenameFlags(rawValue: 0)) throws {
        try validate(name: newName)
        let from = try key(for: parent).child(name)
        let to = try key(for: newParent).child(newName)
        if flags.exchange { throw FSError.invalidArgument("RENAME_EXCHANGE is not supported") }
        guard from.source == to.source else { throw FSError.crossDevice }
        if from == to { return }
        if to.isWithin(from) { throw FSError.invalidArgument("cannot move a directory into itself") }
        let backend = try requireWritable(from)
        _ = try requireWritable(to)
        let sourceAttrs = try attributes(of: from)
        if let staged = stagedFile(from) {
            try upload(staged)
        }
        let target: RemoteAttributes?
        do { target = try attributes(of: to) } catch FSError.notFound { target = nil }
        if let target {
            if flags.noReplace { throw FSError.exists }
            switch (sourceAttrs.kind, target.kind) {
            case (.directory, .file): throw FSError.notDirectory
            case (.file, .directory): throw FSError.isDirectory
            case (.directory, .directory):
                guard try listing(of: to, fresh: true).isEmpty else { throw FSError.notEmpty }
            case (.file, .file): break
            }
            // POSIX rename replaces the target; remote move actions may refuse to, so remove it first.
            do { try backend.delete(to.path, kind: target.kind) } catch FSError.notFound {} catch {
                throw logged(error, "rename (replace target)", to)
            }
        }
        do { try backend.rename(from.path, to: to.path) } catch { throw logged(error, "rename", from) }
        metadata.renamed(from, to: to, now: clock.now())
        overlays.renamed(from, to: to)
        touchDirectory(from.parent)
        if to.parent != from.parent { touchDirectory(to.parent) }
        if let source = from.source {
            try? dataCache?.remove(source: source, path: to.path.string)
            try? dataCache?.renameObject(source: source, from: from.path.string, to: to.path.string)
        }
        lock.lock()
        inodes.rekey(from, to: to)
        if let staged = staged.removeValue(forKey: from) { self.staged[to] = staged }
        lock.unlock()
    }

    /// chmod, chown, truncate and utimensat. Mode and times go to the attribute overlay (the services cannot store
    /// them; see `AttributeOverlays`); ownership can only stay the mounting user's (or the mount's `uid=`/`gid=`), so
    /// a chown to anyone else is EPERM; a size goes to the staged copy and is uploaded.
    public func setattr(_ ino: UInt64, handle: UInt64?, size: UInt64?, mtime: Timestamp?, atime: Timestamp? = nil,
                        permissions: UInt16?, uid: UInt32?, gid: UInt32?) throws -> FileAttributes {
        if let uid, uid != options.uid { throw FSError.notPermitted }
        if let gid, gid != options.gid { throw FSError.notPermitted }
        if let orphan = orphan(ino) {
            // Unlinked while open: only the local copy is left to change.
            if let size { try orphan.truncate(to: size, now: clock.now()) }
            return orphanAttributes(orphan, ino: ino)
        }
        let key = try key(for: ino)
        var attrs = try attributes(of: key)
        let changesMetadata = permissions != nil || mtime != nil || atime != nil
        if changesMetadata || size != nil {
            if options.readOnly { throw FSError.readOnly }
            // The mount root, a source's root and the control tree are not the services' objects: nothing to keep.
            guard key.source != nil, !key.path.isRoot else { throw FSError.notPermitted }
            let backend = try backend(for: key)
            if !backend.isWritable { throw FSError.readOnly }
        }
        if let size {
            guard attrs.kind == .file else { throw FSError.isDirectory }
            let backend = try requireWritable(key)
            try checkStagingCapacity(for: size, key)
            if let handle, let staged = (try? openHandle(handle) as? WriteHandle)?.staged {
                try truncateStaged(staged, to: size, key)
            } else if let staged = stagedFile(key) {
                try truncateStaged(staged, to: size, key)
            } else if size != attrs.size {
                try truncateRemote(key, backend: backend, to: size)
            }
            attrs = try attributes(of: key)
        }
        if changesMetadata {
            if let mtime, let staged = stagedFile(key) { staged.setMtime(mtime.date) }
            overlays.set(key, mode: permissions.map { $0 & 0o7777 }, mtime: mtime, atime: atime)
        }
        return fileAttributes(attrs, key: key, ino: ino)
    }

    private func truncateStaged(_ staged: StagedFile, to size: UInt64, _ key: NodeKey) throws {
        do { try staged.truncate(to: size, now: clock.now()) } catch { throw logged(error, "truncate", key) }
    }

    /// A size the staging disk could never hold is EFBIG up front: the bytes must fit there before they are
    /// uploaded (a sparse `truncate -s 900T` would otherwise be accepted and fail at close).
    func checkStagingCapacity(for size: UInt64, _ key: NodeKey) throws {
        var fs = statvfs()
        guard statvfs(stagingDirectory.path, &fs) == 0 else { return }
        let capacity = UInt64(fs.f_blocks) * UInt64(fs.f_frsize)
        if size > capacity {
            logger.info("size refused: larger than the staging disk", metadata: [
                "path": "\(key)", "size": "\(size)", "staging capacity": "\(capacity)"])
            throw FSError.fileTooLarge
        }
    }

    /// Symbolic links, hard links and device nodes cannot be stored by any of the services: EPERM, as POSIX says
    /// for a filesystem that does not support the operation (ENOSYS would switch it off in the kernel for the mount).
    public func refuseLinkOrNode(_ operation: String, parent: UInt64, name: String) throws -> Never {
        let key = (try? key(for: parent).child(name)).map { "\($0)" } ?? name
        logger.info("\(operation) refused: the services store regular files and directories only",
                    metadata: ["path": "\(key)"])
        throw FSError.notPermitted
    }

    /// A change made through the mount inside directory `key` (a create, remove or rename): its mtime becomes now,
    /// as on a local disk, and the overlay is bound to whatever the server shows for it next.
    func touchDirectory(_ key: NodeKey) {
        guard key.source != nil, !key.path.isRoot else { return }
        overlays.set(key, mtime: Timestamp(clock.now()), rebind: true)
    }

    /// `truncate(path, n)` with no open handle: stage, truncate, upload at once.
    private func truncateRemote(_ key: NodeKey, backend: Backend, to size: UInt64) throws {
        let fh = try open(try inodeNumber(key), flags: OpenFlags(rawValue: size == 0 ? O_WRONLY | O_TRUNC : O_RDWR))
        defer { release(handle: fh) }
        guard let file = try openHandle(fh) as? WriteHandle else { throw FSError.io("truncate without staging") }
        let staged = file.staged
        try staged.truncate(to: size, now: clock.now())
        try upload(staged)
    }

    func inodeNumber(_ key: NodeKey) throws -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return inodes.inode(for: key)
    }

    private func removed(_ key: NodeKey, isDirectory: Bool) {
        metadata.removed(key, now: clock.now())
        overlays.removed(key, isDirectory: isDirectory)
        if let source = key.source {
            try? dataCache?.remove(source: source, path: key.path.string)
            try? dataCache?.forgetPins(source: source, path: key.path.string)
        }
        lock.lock()
        inodes.unlink(key)
        let staged = staged.removeValue(forKey: key)
        lock.unlock()
        if let staged {
            staged.lock.lock()
            staged.unlinked = true  // deleted on purpose: nothing left to upload
            staged.streaming?.abandon("the file was deleted")
            staged.lock.unlock()
            // SQLite is written outside the VFS lock, which every request takes.
            if let id = staged.journalID { try? store?.setUploadState(id: id, state: .done, error: nil) }
        }
    }
}
