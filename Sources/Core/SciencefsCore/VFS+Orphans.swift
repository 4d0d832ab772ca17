import Foundation

/// Files unlinked while descriptors are still open on them. As on a local disk, every open descriptor keeps reading
/// (and writing) the file's bytes until its last close, and `fstat` on it still answers (with a link count of 0);
/// the server's object is deleted at unlink, and nothing of the orphan is ever uploaded.
///
/// The bytes live in a staging file: the writer's own, or for readers a local copy made before the remote delete.
/// `orphans` (by inode) and each handle's `localCopy`/`orphanIno` are guarded by `VFS.lock`.
extension VFS {
    /// Prepares the bytes that open descriptors on `key` keep after an unlink; nil when none is open.
    final class OrphanKeeper {
        let vfs: VFS
        let key: NodeKey
        let ino: UInt64
        let handles: [OpenHandle]
        let copy: StagedFile
        /// True when `copy` was made here (readers only), false when it is a writer's staging file.
        let ownCopy: Bool

        init(vfs: VFS, key: NodeKey, ino: UInt64, handles: [OpenHandle], copy: StagedFile, ownCopy: Bool) {
            self.vfs = vfs
            self.key = key
            self.ino = ino
            self.handles = handles
            self.copy = copy
            self.ownCopy = ownCopy
        }

        /// The remote delete succeeded: the handles now read the copy.
        func detach() {
            vfs.lock.lock()
            for handle in handles {
                handle.orphanIno = ino
                (handle as? ReadHandle)?.localCopy = copy
            }
            vfs.orphans[ino] = copy
            vfs.lock.unlock()
        }

        /// The remote delete failed: nothing changes, and a copy made for it goes.
        func discard() {
            guard ownCopy else {
                copy.lock.lock()
                copy.openCount -= handles.filter { $0 is ReadHandle }.count
                copy.lock.unlock()
                return
            }
            copy.close()
            try? FileManager.default.removeItem(at: copy.url)
        }
    }

    func keepBytesForOpenHandles(_ key: NodeKey, attributes: RemoteAttributes) throws -> OrphanKeeper? {
        lock.lock()
        let open = handles.all.filter { $0.key == key && $0.orphanIno == nil }
        guard !open.isEmpty else {
            lock.unlock()
            return nil
        }
        let ino = inodes.inode(for: key)
        let writer = staged[key]
        let readers = open.filter { $0 is ReadHandle }.count
        if let writer {
            writer.lock.lock()
            writer.openCount += readers
            writer.lock.unlock()
            lock.unlock()
            return OrphanKeeper(vfs: self, key: key, ino: ino, handles: open, copy: writer, ownCopy: false)
        }
        lock.unlock()
        let url = stagingDirectory.appendingPathComponent(UUID().uuidString)
        let fd = Foundation.open(url.path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw logged(FSError.fromErrno(errno), "keep an unlinked file's bytes", key) }
        let copy = StagedFile(key: key, url: url, fd: fd, journalID: nil, size: 0, mtime: attributes.mtime,
                              dirty: false, permissions: attributes.permissions)
        copy.unlinked = true
        copy.openCount = readers
        do {
            var offset: UInt64 = 0
            try backend(for: key).read(key.path, offset: 0, length: attributes.size) { chunk in
                _ = try copy.write(chunk, at: offset, now: attributes.mtime)
                offset += UInt64(chunk.count)
            }
            copy.setMtime(attributes.mtime)
        } catch {
            copy.close()
            try? FileManager.default.removeItem(at: url)
            throw logged(error, "keep an unlinked file's bytes (unlink refused)", key)
        }
        return OrphanKeeper(vfs: self, key: key, ino: ino, handles: open, copy: copy, ownCopy: true)
    }

    /// The bytes of an inode unlinked while open, or nil.
    func orphan(_ ino: UInt64) -> StagedFile? {
        lock.lock()
        defer { lock.unlock() }
        return orphans.isEmpty ? nil : orphans[ino]
    }

    func orphanAttributes(_ orphan: StagedFile, ino: UInt64) -> FileAttributes {
        let attrs = orphan.attributes()
        var result = FileAttributes(ino: ino, kind: .file, size: attrs.size, mtime: attrs.mtime,
                                    permissions: attrs.permissions, uid: options.uid, gid: options.gid)
        result.linkCount = 0
        return result
    }

    /// Where a handle's bytes are local: its own staged file, the copy it kept after an unlink, the staged file
    /// another handle is writing (which a handle on an unlinked file must not see: the name may be a new file now),
    /// or the parked upload it opened (`VFS.parkedCopy`).
    func localBytes(for file: OpenHandle) -> StagedFile? {
        if let writer = file as? WriteHandle { return writer.staged }
        lock.lock()
        defer { lock.unlock() }
        if let copy = (file as? ReadHandle)?.localCopy { return copy }
        // A writer's staged file is newer than a parked upload of the same file.
        if file.orphanIno == nil, let open = staged[file.key] { return open }
        return (file as? ReadHandle)?.parkedCopy
    }

    /// A reader of an unlinked file closed: the last one deletes the copy.
    func releaseOrphanCopy(_ copy: StagedFile) {
        copy.lock.lock()
        copy.openCount -= 1
        let last = copy.openCount <= 0
        copy.lock.unlock()
        guard last else { return }
        dropOrphan(copy)
        copy.close()
        try? FileManager.default.removeItem(at: copy.url)
        // A writer's staging file shared with readers: its journal row (marked done at unlink) goes with it.
        if let id = copy.journalID { try? store?.removeUpload(id: id) }
    }

    func dropOrphan(_ copy: StagedFile) {
        lock.lock()
        if let entry = orphans.first(where: { $0.value === copy }) { orphans[entry.key] = nil }
        lock.unlock()
    }
}
