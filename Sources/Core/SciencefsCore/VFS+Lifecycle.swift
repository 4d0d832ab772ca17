import Foundation
import SciencefsStore

/// Start-up recovery of the upload journal, unmount draining and status figures.
extension VFS {
    public struct Status: Sendable, Codable {
        public var sources: [String]
        public var metadataHits: UInt64
        public var metadataMisses: UInt64
        public var dataCacheBytes: UInt64
        public var dataCacheCapacity: UInt64
        public var dataCacheHits: UInt64
        public var dataCacheMisses: UInt64
        public var openHandles: Int
        public var uploadsInFlight: Int
        public var pendingUploads: Int
        public var failedUploads: Int
        public var knownInodes: Int
        /// The readahead pool's figures (absent in a status file written by an older version).
        public var readahead: ReadaheadStatus?
        /// Sources found unreachable during this run: offline since when, back since when (VFS+Reachability).
        public var reachability: [SourceReachability]?
    }

    /// Background readahead across the mount: the budget, what of it is in use, and the ranges running and waiting.
    public struct ReadaheadStatus: Sendable, Codable {
        public var budgetBytes: UInt64
        public var bytesInFlight: UInt64
        public var fetchers: Int
        public var running: Int
        public var queued: Int
    }

    /// The readahead pool's figures now.
    public var readaheadStatus: ReadaheadStatus {
        let pool = prefetchers.pool
        let figures = pool.figures
        return ReadaheadStatus(budgetBytes: pool.budgetBytes, bytesInFlight: figures.bytesInFlight,
                               fetchers: pool.fetchers, running: figures.running, queued: figures.queued)
    }

    public func status() -> Status {
        let usage = dataCache?.usage
        let journal = (try? store?.uploads(in: [.staged, .uploading, .failed])) ?? []
        lock.lock()
        let open = handles.count
        let inodeCount = inodes.count
        lock.unlock()
        return Status(sources: sourceNames.filter { $0 != ControlBackend.sourceName }, metadataHits: metadata.hits, metadataMisses: metadata.misses,
                      dataCacheBytes: usage?.bytes ?? 0, dataCacheCapacity: usage?.capacity ?? 0,
                      dataCacheHits: usage?.hits ?? 0, dataCacheMisses: usage?.misses ?? 0,
                      openHandles: open, uploadsInFlight: uploads.count,
                      pendingUploads: journal.filter { $0.state != .failed }.count,
                      failedUploads: journal.filter { $0.state == .failed }.count, knownInodes: inodeCount,
                      readahead: readaheadStatus, reachability: reachability)
    }

    /// Uploads that a previous run accepted (`close()` returned or the process died mid-upload) but did not finish.
    /// Files whose upload the server rejected stay in the journal as failed, with their bytes, for the user to see.
    ///
    /// Call `unfinishedUploads()` before the mount serves requests (so this run's own new rows are not mistaken for
    /// a previous run's), then `resume(_:)` with its result, in the background.
    public func unfinishedUploads() -> [UploadRecord] {
        guard let store else { return [] }
        do { return try store.uploads(in: [.staged, .uploading]) } catch {
            logger.error("cannot read the upload journal", metadata: ["error": "\(error)"])
            return []
        }
    }

    public func resume(_ unfinished: [UploadRecord]) {
        for record in unfinished {
            let key = NodeKey(source: record.source, path: RemotePath(string: record.path))
            // The empty file `cp` created before a server-side job (an Agave import) took over the destination: the
            // job writes it, and uploading the placeholder would overwrite what the job delivers.
            if let job = transfers?.job(writing: Self.mountPath(key)), job.created.timeIntervalSince1970 >= record.createdAt - 1 {
                logger.notice("not resuming the upload of a file a server-side job writes",
                              metadata: ["path": "\(key)", "job": "\(job.jobID)"])
                try? store?.removeUpload(id: record.id)
                continue
            }
            logger.notice("resuming journaled upload", metadata: ["path": "\(key)"])
            // A failure is logged and left in the journal as failed, for `sciencefs uploads` to show.
            try? uploadJournaled(record)
        }
    }

    /// Waits for uploads in flight (called at unmount); returns false if some are still running at the deadline.
    ///
    /// A stream whose writer still holds the file open would wait for bytes that can no longer come (the kernel has
    /// let go of the mount): it is abandoned first. Its bytes stay in the journal, staged, and go out whole at the
    /// next mount.
    public func drain(timeout: TimeInterval) -> Bool {
        health.stopProbes()
        lock.lock()
        let open = Array(staged.values)
        lock.unlock()
        for file in open {
            file.lock.lock()
            let streaming = file.streaming
            file.lock.unlock()
            streaming?.abandon("the mount is stopping with the file still open for writing")
        }
        return uploads.waitUntilIdle(deadline: Date().addingTimeInterval(timeout))
    }

    /// Drops cached metadata and data for a subtree (`user.sciencefs.refresh`), and has the kernel forget the
    /// attributes it keeps for the subtree's inodes (for up to `attr_timeout`), so the next `stat` asks again.
    public func refresh(_ ino: UInt64) throws {
        let key = try key(for: ino)
        metadata.invalidate(key)
        verification.forget(key) // a file found corrupt is checked again at its next read
        if key.isMountRoot {
            for name in sourceNames { metadata.invalidate(NodeKey(source: name, path: .root)) }
        }
        lock.lock()
        let held = inodes.subtree(of: ino)
        let invalidate = kernelAttributeInvalidation
        lock.unlock()
        invalidate?(held)
    }

    /// Called by the FUSE adapter once its session exists: how to make the kernel forget inodes' attributes.
    public func setKernelAttributeInvalidation(_ invalidate: @escaping @Sendable ([UInt64]) -> Void) {
        lock.lock()
        kernelAttributeInvalidation = invalidate
        lock.unlock()
    }

}
