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
        lock.lock()
        let ino = inodes.lookup(key)
        lock.unlock()
        return fileAttributes(attrs, ino: ino)
    }

    public func unlink(parent: UInt64, name: String) throws {
        let key = try key(for: parent).child(name)
        let backend = try requireWritable(key)
        let attrs = try attributes(of: key)
        if attrs.kind == .directory { throw FSError.isDirectory }
        // A file still being written may not have reached the server yet: a missing remote object is fine then.
        let beingWritten = stagedFile(key) != nil
        do { try backend.delete(key.path, kind: .file) } catch FSError.notFound where beingWritten {} catch {
            throw logged(error, "unlink", key)
        }
        removed(key)
    }

    public func rmdir(parent: UInt64, name: String) throws {
        let key = try key(for: parent).child(name)
        let backend = try requireWritable(key)
        let attrs = try attributes(of: key)
        guard attrs.kind == .directory else { throw FSError.notDirectory }
        // Remote deletes are recursive; POSIX rmdir is not. Ask the server, not the cache, whether it is empty.
        guard try listing(of: key, fresh: true).isEmpty else { throw FSError.notEmpty }
        do { try backend.delete(key.path, kind: .directory) } catch { throw logged(error, "rmdir", key) }
        removed(key)
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
        if let source = from.source {
            try? dataCache?.remove(source: source, path: to.path.string)
            try? dataCache?.renameObject(source: source, from: from.path.string, to: to.path.string)
        }
        lock.lock()
        inodes.rekey(from, to: to)
        if let staged = staged.removeValue(forKey: from) { self.staged[to] = staged }
        lock.unlock()
    }

    /// Truncate and timestamps. Ownership and mode cannot be stored remotely: a request that changes them is
    /// refused with EACCES rather than pretended.
    public func setattr(_ ino: UInt64, handle: UInt64?, size: UInt64?, mtime: Date?, permissions: UInt16?,
                        uid: UInt32?, gid: UInt32?) throws -> FileAttributes {
        let key = try key(for: ino)
        var attrs = try attributes(of: key)
        if let permissions, permissions & 0o777 != attrs.permissions & 0o777 { throw FSError.permissionDenied }
        if let uid, uid != options.uid { throw FSError.permissionDenied }
        if let gid, gid != options.gid { throw FSError.permissionDenied }
        if let size {
            guard attrs.kind == .file else { throw FSError.isDirectory }
            let backend = try requireWritable(key)
            if let handle, let file = try? openFile(handle), let staged = file.staged {
                try staged.truncate(to: size, now: clock.now())
            } else if let staged = stagedFile(key) {
                try staged.truncate(to: size, now: clock.now())
            } else if size != attrs.size {
                try truncateRemote(key, backend: backend, to: size)
            }
            attrs = try attributes(of: key)
        }
        if let mtime {
            if let staged = stagedFile(key) {
                staged.setMtime(mtime)
            } else {
                // Remote services set their own modification times; keep the requested one until the next refresh.
                attrs.mtime = mtime
                metadata.save(attributes: attrs, for: key, now: clock.now())
            }
            attrs = try attributes(of: key)
        }
        return fileAttributes(attrs, ino: ino)
    }

    /// `truncate(path, n)` with no open handle: stage, truncate, upload at once.
    private func truncateRemote(_ key: NodeKey, backend: Backend, to size: UInt64) throws {
        let fh = try open(try inodeNumber(key), flags: OpenFlags(rawValue: size == 0 ? O_WRONLY | O_TRUNC : O_RDWR))
        defer { release(handle: fh) }
        let file = try openFile(fh)
        guard let staged = file.staged else { throw FSError.io("truncate without staging") }
        try staged.truncate(to: size, now: clock.now())
        try upload(staged)
    }

    func inodeNumber(_ key: NodeKey) throws -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return inodes.inode(for: key)
    }

    private func removed(_ key: NodeKey) {
        metadata.removed(key, now: clock.now())
        if let source = key.source { try? dataCache?.remove(source: source, path: key.path.string) }
        lock.lock()
        inodes.unlink(key)
        if let staged = staged.removeValue(forKey: key) {
            staged.lock.lock()
            staged.unlinked = true  // deleted on purpose: nothing left to upload
            staged.lock.unlock()
            if let id = staged.journalID { try? store?.setUploadState(id: id, state: .done, error: nil) }
        }
        lock.unlock()
    }
}
