import Foundation

/// A file being written through the mount: its bytes live in a local staging file (recorded in the upload journal)
/// until the upload on close succeeds. Shared by every handle open for writing on the same node.
///
/// `@unchecked Sendable` because `lock` guards every `var` (`size`, `mtime`, `dirty`, `uploadFailed`, `uploading`,
/// `openCount`, `serverCopy`, `unlinked`, `streaming`, `streamAttempted`, `waitsForSource`); the rest is `let`. Reads and writes of the
/// staging file use positional I/O on the `let` descriptor, outside `lock`. The upload itself runs under
/// `uploadLock` so two closes of the same file never upload twice at once; `uploadLock` is outside `VFS.lock`, which
/// is outside `lock` (see `VFS`).
final class StagedFile: @unchecked Sendable {
    let key: NodeKey
    let url: URL
    let fd: Int32
    let journalID: Int64?
    let lock = NSLock()
    let uploadLock = NSLock()
    private(set) var size: UInt64
    private(set) var mtime: Date
    /// Bytes not yet uploaded.
    var dirty: Bool
    /// The last upload was refused: release keeps the bytes for the journal instead of trying again at once.
    var uploadFailed = false
    /// The upload is parked until the source is reachable again (`VFS.parkUpload`): the bytes stay journaled and
    /// the mount keeps showing the file.
    var waitsForSource = false
    /// An upload is being sent (`dirty` is already false then, so that writes meanwhile mark it again).
    var uploading = false
    var openCount = 0
    /// Set when the server made this file by a server-side copy: its attributes are the server's, not the
    /// (empty) staging file's.
    var serverCopy: RemoteAttributes?
    /// Set when the file is deleted while open: later writes go to the staging file only, never to the server.
    var unlinked = false
    /// The upload that follows the writer while it writes (see `StreamingUpload`); each write at the end hands its
    /// bytes on, any other write or a truncate abandons it. Detached when it is finished or abandoned for good.
    var streaming: StreamingUpload?
    /// A stream was started once: a file that fell back to the upload at close never streams again.
    var streamAttempted = false
    let permissions: UInt16

    init(key: NodeKey, url: URL, fd: Int32, journalID: Int64?, size: UInt64, mtime: Date, dirty: Bool,
         permissions: UInt16) {
        self.key = key
        self.url = url
        self.fd = fd
        self.journalID = journalID
        self.size = size
        self.mtime = mtime
        self.dirty = dirty
        self.permissions = permissions
    }

    /// True when the server holds this file's bytes after a server-side copy (and nothing was written since):
    /// reads must go to the server, not to the empty staging file.
    var holdsServerCopy: Bool {
        lock.lock()
        defer { lock.unlock() }
        return serverCopy != nil && !dirty
    }

    func attributes() -> RemoteAttributes {
        lock.lock()
        defer { lock.unlock() }
        if let serverCopy, !dirty { return serverCopy }
        return RemoteAttributes(kind: .file, size: size, mtime: mtime, permissions: permissions)
    }

    /// Puts `bytes` into the staging file at `offset`. A write that appends to a file whose upload streams also lends
    /// `bytes` to the stream while it runs, so the upload can copy them from memory instead of reading them back
    /// from the file (see `UploadStream`); the write returns only once the stream is done with them.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64, now: Date) throws -> Int {
        lock.lock()
        let stream = offset == size ? streaming?.source : nil
        lock.unlock()
        let loan = stream?.lend(bytes, at: offset)
        defer { if let stream, let loan { stream.takeBack(loan) } }
        var written = 0
        while written < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
            if n < 0 {
                if errno == EINTR { continue }
                let failure = errno
                // The stream may have sent bytes the staged file does not hold: it must not land.
                if let stream, loan != nil { stream.abandon("a write to the staging file failed (errno \(failure))") }
                throw FSError.fromErrno(failure)
            }
            written += n
        }
        lock.lock()
        let appended = offset == size
        size = max(size, offset + UInt64(written))
        mtime = now
        dirty = true
        if let streaming {
            // Only bytes appended in order can be sent as they come; anything else is uploaded whole at close.
            if appended {
                streaming.source.produced(upTo: size)
            } else {
                streaming.abandon("a write at offset \(offset), not at the end of the file")
            }
        }
        lock.unlock()
        return written
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FSError.fromErrno(errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    func truncate(to length: UInt64, now: Date) throws {
        guard ftruncate(fd, off_t(length)) == 0 else { throw FSError.fromErrno(errno) }
        lock.lock()
        size = length
        mtime = now
        dirty = true
        streaming?.abandon("the file was truncated")
        lock.unlock()
    }

    func setMtime(_ date: Date) {
        lock.lock()
        mtime = date
        lock.unlock()
    }

    /// Makes the staged bytes durable before they are uploaded, so a crash after `close()` cannot lose them.
    func sync() throws {
        guard fsync(fd) == 0 else { throw FSError.fromErrno(errno) }
    }

    func close() {
        _ = Foundation.close(fd)
    }
}
