import Foundation
import SciencefsStore

/// Getting a staged file to the server, and recording each step in the upload journal.
extension VFS {
    /// Uploads a staged file if it has unsent bytes: finishes its streamed upload when one is running, else (or if
    /// that fails) sends the staged file whole. On failure the journal row is marked failed and the staging file is
    /// kept: an accepted write is never dropped.
    func upload(_ staged: StagedFile) throws {
        staged.uploadLock.lock()
        defer { staged.uploadLock.unlock() }
        if finishStreamedUpload(staged) { return }
        staged.lock.lock()
        let dirty = staged.dirty && !staged.unlinked
        staged.lock.unlock()
        guard dirty else { return }
        let backend = try backend(for: staged.key)
        // The source is known to be down: park the bytes now rather than wait for the retries to fail.
        if servesStaleNow(staged.key), let parked = parkUpload(staged, after: nil) { throw parked }
        uploads.begin()
        defer { uploads.end() }
        do {
            try staged.sync()
            recordUploadState(staged, .uploading)
            staged.lock.lock()
            staged.dirty = false
            staged.uploading = true
            staged.lock.unlock()
            defer {
                staged.lock.lock()
                staged.uploading = false
                staged.lock.unlock()
            }
            let (url, path) = (staged.url, staged.key.path)
            let attrs = try reaching(staged.key, probe: { _ = try backend.stat(path) }) {
                try backend.upload(from: url, to: path)
            }
            uploaded(staged, attributes: attrs)
        } catch {
            if let parked = parkUpload(staged, after: error) { throw parked }
            staged.lock.lock()
            staged.dirty = true
            staged.uploadFailed = true
            staged.lock.unlock()
            let fsError = logged(error, "upload (the staged bytes are kept for retry)", staged.key)
            if let id = staged.journalID {
                try? store?.setUploadState(id: id, state: .failed, error: "\(fsError)")
            }
            throw fsError
        }
    }

    /// Ends the streamed upload of `staged`, if one runs (called under `uploadLock`): marks the end of the bytes
    /// once they are durable, and waits for the server to confirm. True when it did; false when there was no stream,
    /// it was abandoned, or it failed, and the caller uploads the staged file whole. The staged bytes stay in the
    /// journal until the confirmation, as for an upload at close.
    private func finishStreamedUpload(_ staged: StagedFile) -> Bool {
        staged.lock.lock()
        guard let streaming = staged.streaming else {
            staged.lock.unlock()
            return false
        }
        // The stream stays attached while the bytes are synced: a write in that time still appends to it, or
        // abandons it (a write not at the end, a truncate), instead of slipping past both the stream and `dirty`.
        let deleted = staged.unlinked
        staged.lock.unlock()
        if deleted { streaming.abandon("the file was deleted") }
        do {
            try staged.sync()
        } catch {
            // The upload at close syncs again and reports the failure.
            streaming.abandon("the staged bytes could not be made durable: \(error)")
        }
        if streaming.isAbandoned {
            // Nothing of an abandoned stream lands on the server; wait for it to stop before the upload at close.
            detach(streaming, from: staged)
            let reason = streaming.abandonment ?? "abandoned"
            _ = streaming.wait()
            logger.debug("streamed upload abandoned; uploading at close",
                         metadata: ["path": "\(staged.key)", "reason": "\(reason)"])
            return false
        }
        recordUploadState(staged, .uploading)
        staged.lock.lock()
        // Every byte up to the size is in the staged file, and no write can join the stream after this: one that
        // comes later finds no stream and marks the file dirty, for the last close to upload.
        if staged.streaming === streaming { staged.streaming = nil }
        guard streaming.source.seal(size: staged.size) else {
            staged.lock.unlock()
            _ = streaming.wait()
            return false
        }
        staged.dirty = false
        staged.uploading = true
        staged.lock.unlock()
        let outcome = streaming.wait()
        staged.lock.lock()
        staged.uploading = false
        staged.lock.unlock()
        switch outcome {
        case .success(let attrs):
            let sources = streaming.source.sources
            logger.debug("streamed upload confirmed",
                         metadata: ["path": "\(staged.key)", "from_memory": "\(sources.memory)",
                                    "from_staging_file": "\(sources.file)"])
            uploaded(staged, attributes: attrs)
            return true
        case .failure(let error):
            staged.lock.lock()
            staged.dirty = true
            staged.lock.unlock()
            // A warning, not the error: the upload at close that follows decides whether the close fails.
            logger.warning("streamed upload failed; uploading the staged file whole",
                           metadata: ["path": "\(staged.key)", "cause": "\(FSError.from(error))"])
            return false
        }
    }

    /// Takes `streaming` off `staged` (if it is still the one attached), so later writes no longer feed it.
    private func detach(_ streaming: StreamingUpload, from staged: StagedFile) {
        staged.lock.lock()
        if staged.streaming === streaming { staged.streaming = nil }
        staged.lock.unlock()
    }

    /// The server confirmed the upload of `staged`: the journal row is done, and the Core shows the server's object.
    private func uploaded(_ staged: StagedFile, attributes: RemoteAttributes) {
        var attrs = attributes
        let local = staged.attributes()
        attrs.size = local.size
        recordUploadState(staged, .done)
        staged.lock.lock()
        staged.uploadFailed = false
        staged.waitsForSource = false
        staged.lock.unlock()
        metadata.added(staged.key, attributes: attrs, now: clock.now())
        overlays.unbind(staged.key)
        try? dataCache?.remove(source: staged.key.source ?? "", path: staged.key.path.string)
        logger.debug("uploaded", metadata: ["path": "\(staged.key)", "bytes": "\(local.size)"])
    }

    /// Journal bookkeeping must not stop an upload: on a full disk SQLite cannot record the new state, but the
    /// upload needs no space and is what frees it. A row left behind in an older state is resumed after a crash,
    /// which repeats an idempotent upload.
    private func recordUploadState(_ staged: StagedFile, _ state: UploadState) {
        guard let id = staged.journalID else { return }
        do { try store?.setUploadState(id: id, state: state, error: nil) } catch {
            logger.warning("cannot record upload state in the journal; uploading anyway",
                           metadata: ["path": "\(staged.key)", "state": "\(state)", "error": "\(error)"])
        }
    }
}
