import Foundation
import SciencefsStore

/// Retry and discard of kept uploads: writes the server refused, whose bytes stay in the staging directory with a
/// `.failed` row in the upload journal. `sciencefs uploads retry|discard` asks the running daemon through a control
/// xattr on the mount root, so the daemon's caches and listings see the outcome:
///
///     setfattr -n user.sciencefs.upload.retry -v ID MNT
///     setfattr -n user.sciencefs.upload.discard -v ID MNT
///
/// ENOENT: no such row. EAGAIN: the row is not a failed upload (its file is open, or its upload is running or
/// pending). EEXIST (retry): a later write of the same file is kept too; that one is the one to send. Otherwise
/// the retry's own error (the row then holds the new error text).
extension VFS {
    public static let retryUploadAttribute = "user.sciencefs.upload.retry"
    public static let discardUploadAttribute = "user.sciencefs.upload.discard"

    /// Handles the control names above on the mount root; false for any other name.
    func handleUploadControl(_ ino: UInt64, name: String, value: [UInt8]) throws -> Bool {
        guard name == Self.retryUploadAttribute || name == Self.discardUploadAttribute else { return false }
        guard try key(for: ino).isMountRoot else { throw FSError.unsupported }
        let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = Int64(text) else { throw FSError.invalidArgument("an upload id is a number, not \(text)") }
        if name == Self.retryUploadAttribute { try retryKeptUpload(id: id) } else { try discardKeptUpload(id: id) }
        return true
    }

    /// Sends a failed upload's kept bytes again. On success the row and the staging file go, and the listing shows
    /// the new file; on failure both stay, the row with the new error.
    public func retryKeptUpload(id: Int64) throws {
        let record = try failedUpload(id: id)
        // Sending older bytes over a later write of the same file would lose that write.
        guard try store?.laterUploads(than: record).isEmpty ?? true else { throw FSError.exists }
        if let open = openStagedFile(for: record) {
            // Still open through the mount: its handle's staging file is the one to send (its last close cleans up).
            try upload(open)
            logger.notice("kept upload retried", metadata: ["path": "\(open.key)", "id": "\(id)"])
            return
        }
        try uploadJournaled(record)
        let key = NodeKey(source: record.source, path: RemotePath(string: record.path))
        logger.notice("kept upload retried", metadata: ["path": "\(key)", "id": "\(id)"])
    }

    /// Forgets a failed upload: deletes its staging file and its row, and drops what is cached about its path and
    /// directory so that the listing shows what the server has.
    public func discardKeptUpload(id: Int64) throws {
        let record = try failedUpload(id: id)
        guard openStagedFile(for: record) == nil else { throw FSError.wouldBlock }
        try? FileManager.default.removeItem(atPath: record.stagingFile)
        try store?.removeUpload(id: id)
        let key = NodeKey(source: record.source, path: RemotePath(string: record.path))
        metadata.invalidate(key)
        metadata.invalidate(key.parent)
        logger.notice("kept upload discarded", metadata: ["path": "\(key)", "id": "\(id)"])
    }

    /// Uploads a journal row's staging file (not open through the mount) and removes row and file once the server
    /// has the bytes. Shared with `resume(_:)`, which does the same for a previous run's unfinished uploads.
    func uploadJournaled(_ record: UploadRecord) throws {
        let key = NodeKey(source: record.source, path: RemotePath(string: record.path))
        let url = URL(fileURLWithPath: record.stagingFile)
        guard backends[record.source] != nil, FileManager.default.fileExists(atPath: url.path) else {
            logger.error("journaled upload cannot be sent: source or staged bytes missing",
                         metadata: ["path": "\(key)", "staging": "\(record.stagingFile)"])
            try? store?.setUploadState(id: record.id, state: .failed, error: "source or staging file missing")
            throw FSError.notFound
        }
        let fd = Foundation.open(url.path, O_RDWR)
        guard fd >= 0 else { throw logged(FSError.fromErrno(errno), "open kept upload", key) }
        var info = stat()
        fstat(fd, &info)
        let file = StagedFile(key: key, url: url, fd: fd, journalID: record.id, size: UInt64(info.st_size),
                              mtime: clock.now(), dirty: true, permissions: 0o644)
        defer { file.close() }
        try upload(file)
        try? FileManager.default.removeItem(at: url)
        try? store?.removeUpload(id: record.id)
    }

    private func failedUpload(id: Int64) throws -> UploadRecord {
        guard let store, let record = try store.upload(id: id) else { throw FSError.notFound }
        guard record.state == .failed else { throw FSError.wouldBlock }
        return record
    }

    /// The staged file an open handle holds for this row, if its path is open for writing right now.
    private func openStagedFile(for record: UploadRecord) -> StagedFile? {
        let key = NodeKey(source: record.source, path: RemotePath(string: record.path))
        lock.lock()
        defer { lock.unlock() }
        guard let file = staged[key], file.url.path == record.stagingFile else { return nil }
        return file
    }
}
