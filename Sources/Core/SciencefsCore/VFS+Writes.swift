import Foundation
import SciencefsStore

/// Writes of an open file into its staged copy, and the `close()` that uploads it.
///
/// Every write lands in the staged file first (journaled, so an accepted write survives a crash). Where the backend
/// can take an upload while it is written (`Backend.streamsUploads`), a writer that starts at offset 0 of an empty
/// file also starts a `StreamingUpload`, which sends the staged bytes as they arrive; `close()` then only waits for
/// the server to confirm. A write anywhere but the end, a truncate, a second writer or an unlink abandons the stream,
/// and `close()` uploads the staged file whole instead, as for every other backend.
extension VFS {
    public func write(handle fh: UInt64, offset: UInt64, bytes: UnsafeRawBufferPointer) throws -> Int {
        let file = try writeHandle(fh)
        let staged = file.staged
        if offset == 0, !bytes.isEmpty { startStreamingUpload(staged) }
        let written: Int
        do {
            written = try staged.write(bytes, at: offset, now: clock.now())
        } catch {
            throw logged(error, "write to staging file", file.key)
        }
        // A write after `touch -d` makes the file newer than the time that was set.
        overlays.clearMtime(file.key)
        return written
    }

    /// Called on every `close()` of a descriptor: uploads staged bytes, so close reports a failed upload.
    public func flush(handle fh: UInt64) throws {
        guard let file = try? openHandle(fh) as? WriteHandle else { return }
        // Parked until the source is back (VFS+Reachability): the write is accepted, journaled, and goes out later.
        do { try upload(file.staged) } catch is UploadWaitsForSource {}
    }

    /// The last close of a writer: uploads what `flush` did not, then drops (or keeps, if the server lacks them)
    /// the staged bytes.
    func releaseWriter(_ file: WriteHandle) {
        let staged = file.staged
        staged.lock.lock()
        staged.openCount -= 1
        let last = staged.openCount == 0
        let dirty = staged.dirty && !staged.uploadFailed
        staged.lock.unlock()
        guard last else { return }
        if dirty {
            // flush() normally uploaded already; this is the safety net for a descriptor closed without one.
            do { try upload(staged) } catch is UploadWaitsForSource {} catch {
                // No request waits for this upload, so its failure is logged here (the one line it gets).
                logger.error("upload at release failed; staged bytes kept",
                             metadata: ["path": "\(staged.key)", "staging": "\(staged.url.path)",
                                        "errno": "\(FSError.from(error).errnoName)", "cause": "\(FSError.from(error))"])
            }
        }
        finishStaging(staged)
    }

    /// A write at offset 0 of a staged file that is still empty, with one writer, on a backend that takes streamed
    /// uploads: the upload starts now and follows the writer. At most one stream per staged file: once abandoned,
    /// the file is uploaded whole at close.
    private func startStreamingUpload(_ staged: StagedFile) {
        guard let backend = try? backend(for: staged.key), backend.streamsUploads, !servesStaleNow(staged.key) else { return }
        staged.lock.lock()
        guard staged.streaming == nil, !staged.streamAttempted, staged.size == 0, staged.openCount == 1,
              !staged.unlinked, staged.serverCopy == nil else {
            staged.lock.unlock()
            return
        }
        let streaming = StreamingUpload(staged: staged)
        staged.streamAttempted = true
        staged.streaming = streaming
        staged.lock.unlock()
        logger.debug("streaming the upload while the file is written", metadata: ["path": "\(staged.key)"])
        streaming.start(backend: backend, uploads: uploads)
    }
}
