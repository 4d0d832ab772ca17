import Foundation
import SciencefsStore

/// The staged file behind every handle open for writing: created (empty, or a copy of the server's bytes) at the
/// first open, kept in the upload journal, dropped or kept at the last close.
extension VFS {
    /// The last handle on a staged file closed: drop the staging copy if it reached the server, else keep it.
    func finishStaging(_ staged: StagedFile) {
        // A stream still attached here was never finished (the file was deleted, or its upload failed): it must
        // stop reading the staging file before that is closed.
        staged.lock.lock()
        let streaming = staged.streaming
        staged.streaming = nil
        staged.lock.unlock()
        if let streaming {
            streaming.abandon("the file was closed without an upload")
            _ = streaming.wait()
        }
        lock.lock()
        if self.staged[staged.key] === staged { self.staged[staged.key] = nil }
        lock.unlock()
        dropOrphan(staged)
        staged.close()
        staged.lock.lock()
        let uploaded = !staged.dirty || staged.unlinked
        let waits = staged.waitsForSource
        staged.lock.unlock()
        if waits && !uploaded {
            // Parked until the source is back: the mount keeps showing the file as written (VFS+Reachability).
            metadata.added(staged.key, attributes: staged.attributes(), now: clock.now())
        } else if uploaded {
            try? FileManager.default.removeItem(at: staged.url)
            if let id = staged.journalID { try? store?.removeUpload(id: id) }
        } else {
            // The server does not have these bytes: show the server's truth (the name goes from the listing until
            // the server is asked again), keep ours in the journal for `sciencefs uploads`.
            metadata.forget(staged.key)
        }
    }

    /// The staged file for `key`, creating it (empty, or a copy of the remote bytes) if no handle has it open.
    func stageForWriting(_ key: NodeKey, backend: Backend, current: RemoteAttributes?, truncate: Bool,
                                 permissions: UInt16? = nil) throws -> StagedFile {
        lock.lock()
        if let existing = staged[key] {
            existing.lock.lock()
            existing.openCount += 1
            existing.streaming?.abandon("a second writer opened the file")
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
            do {
                // Written while the source was down and not uploaded yet: the server has an older version, or none.
                if let parked = parkedCopy(of: key) {
                    defer { parked.close() }
                    try copyLocal(parked, into: file)
                } else {
                    try copyRemote(key, backend: backend, size: current.size, into: file)
                }
            } catch {
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
            raced.streaming?.abandon("a second writer opened the file")
            raced.lock.unlock()
            return raced
        }
        staged[key] = file
        lock.unlock()
        return file
    }

    /// Fills a staged file with a parked upload's bytes (`VFS.parkedCopy`). They are not on the server, so the file
    /// stays dirty: its own upload carries them too.
    private func copyLocal(_ parked: StagedFile, into file: StagedFile) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset: UInt64 = 0
        while true {
            let n = try parked.read(into: buffer, at: offset)
            if n == 0 { break }
            _ = try file.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), at: offset, now: clock.now())
            offset += UInt64(n)
        }
        file.lock.lock()
        file.dirty = true
        file.lock.unlock()
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
}
