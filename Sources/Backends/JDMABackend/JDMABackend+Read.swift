import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Tape-aware reads. The first read of a file in a batch that is not staged submits ONE `download_files` GET for
/// the whole batch into `<staging>/get/<batch id>/` (whole batch, because tape recalls are per archive and a
/// reader of one file usually reads its neighbours); every other reader of the batch waits for the same request.
/// Once it reaches GET_COMPLETED the bytes are served from the staged files.
extension JDMABackend {
    /// Makes sure the file's batch is being (or has been) staged. With `nonBlocking`, returns at once when staged
    /// and throws `.wouldBlock` (EAGAIN) when not yet — after submitting the GET if none is in flight. Without it,
    /// waits up to the read timeout (`.timedOut`). Meant for `open(O_NONBLOCK)`.
    public func prepareRead(_ path: RemotePath, nonBlocking: Bool) throws {
        try mapErrors("prepareRead", path) { _ = try stagedFile(path, nonBlocking: nonBlocking) }
    }

    /// The Core calls this at `open()` for reading: the batch's GET starts then.
    public func prepareRead(_ path: RemotePath, attributes: RemoteAttributes, nonBlocking: Bool) throws {
        guard attributes.kind == .file else { return }
        try prepareRead(path, nonBlocking: nonBlocking)
    }

    @discardableResult
    public func read(_ path: RemotePath, offset: UInt64, length: UInt64,
                     sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        try mapErrors("read", path) {
            let url = try stagedFile(path, nonBlocking: false)
            let delivered = try Self.copyBytes(of: url, offset: offset, length: length, sink: sink)
            if let origin = readOrigin(of: path) { readOrigins.value?.report(path, from: origin) }
            return delivered
        }
    }

    /// The file's digest (sha256, md5 or adler32) is handed to the Core, which verifies the file whole before its
    /// first byte is served (`JDMAConfiguration.verification`).
    public func checksums(of path: RemotePath, attributes: RemoteAttributes) -> [Checksum] {
        guard case .batch(let workspace, let batchName, let inside) = JDMALocation(path), !inside.isEmpty,
              pendingBatch(workspace: workspace, label: batchName) == nil,
              let record = try? resolveRemoteBatch(workspace: workspace, name: batchName),
              let file = try? tree(of: record, named: batchName).files[inside.joined(separator: "/")],
              let checksum = DigestCheck.coreChecksum(digest: file.digest, format: file.digestFormat) else { return [] }
        return [checksum]
    }

    /// Which batch (and storage) a read of `path` came from, from what `stagedFile` just resolved (no request):
    /// "batch 42 (label) on tape", or the put staging area for a batch not yet on storage.
    private func readOrigin(of path: RemotePath) -> String? {
        guard case .batch(let workspace, let batchName, _) = JDMALocation(path) else { return nil }
        if pendingBatch(workspace: workspace, label: batchName) != nil {
            return "put staging area of \(workspace)/\(batchName) (not yet on storage)"
        }
        guard let record = try? resolveRemoteBatch(workspace: workspace, name: batchName) else { return nil }
        return "JDMA batch \(record.id) (\(record.label)) on \(record.storage ?? "storage")"
    }

    /// The local file that holds `path`'s bytes: a staged retrieval, or a file copied in and not yet on tape.
    func stagedFile(_ path: RemotePath, nonBlocking: Bool) throws -> URL {
        guard case .batch(let workspace, let batchName, let inside) = JDMALocation(path), !inside.isEmpty else {
            throw FSError.isDirectory
        }
        let relative = inside.joined(separator: "/")
        if let pending = pendingBatch(workspace: workspace, label: batchName) {
            guard pending.files[relative] != nil else {
                throw pending.directories.contains(relative) ? FSError.isDirectory : FSError.notFound
            }
            return putFile(workspace: workspace, label: batchName, relative: relative)
        }
        var record = try resolveRemoteBatch(workspace: workspace, name: batchName)
        let tree = try self.tree(of: record, named: batchName)
        guard let file = tree.files[relative] else {
            throw tree.directories.contains(relative) ? FSError.isDirectory : FSError.notFound
        }
        if record.stage != JDMAStages.Batch.onStorage.rawValue {
            // Our own batch on its way to tape: its files are still in the put staging area.
            if let local = submittedPutFile(batchID: record.id, relative: relative) { return local }
            record = try client.batch(id: record.id) // the cached stage may be stale
            guard record.stage == JDMAStages.Batch.onStorage.rawValue else {
                throw FSError.io("batch \(record.id) (\(record.label)) is \(JDMAStages.Batch.name(of: record.stage)), "
                    + "not ON_STORAGE: it cannot be retrieved")
            }
            forgetBatchList()
        }
        let batch = record
        let directory = TransferPlanner.mountPath(source: name, RemotePath([workspace, batchName]))
        try retrievals.awaitStaged(batchID: batch.id, timeout: configuration.readTimeout, nonBlocking: nonBlocking,
                                   submit: { target in try submitRetrieval(of: batch, into: target) },
                                   startPolling: { requestID in followRetrieval(of: batch, requestID: requestID,
                                                                                directory: directory, tree: tree) })
        let url: URL
        do {
            url = try locateStaged(file, relative: relative, tree: tree, batchID: batch.id)
        } catch {
            // The staged copy was cleaned away since it completed: forget it, so the next read retrieves again.
            retrievals.forget(batchID: batch.id)
            throw error
        }
        return url
    }

    /// POSTs the GET; a "Duplicate GET" refusal means one is already in flight (submitted before a restart), which
    /// is then adopted instead. A GET of this batch the job journal still follows (a previous run's) is adopted
    /// without asking.
    private func submitRetrieval(of batch: JDMABatchRecord, into target: URL) throws -> JDMARequestRecord {
        guard let jobs = jobsSlot.jobs else {
            throw FSError.io("JDMA source \(name) has no job journal to follow a GET request with")
        }
        if let running = jobs.unfinished().first(where: { job in
            !job.state.isTerminal && JDMARequests.batchID(of: job) == batch.id
                && JDMARequests.parse(job.jobID)?.kind == JDMAStages.RequestKind.get.name
        }), let requestID = JDMARequests.parse(running.jobID)?.requestID {
            logger.info("JDMA GET from before a restart still running; waiting for it",
                        metadata: ["source": "\(name)", "batch": "\(batch.id)", "request": "\(requestID)"])
            return try client.request(id: requestID)
        }
        let record: JDMARequestRecord
        do {
            record = try client.downloadFiles(batchID: batch.id, targetPath: target.path)
        } catch let error as HTTPError where error.statusCode == 403
                    && (JDMAErrorMapping.serverMessage(error) ?? "").lowercased().contains("duplicate") {
            guard let existing = try client.requests().first(where: { request in
                request.batchID == batch.id && request.type == JDMAStages.RequestKind.get.rawValue
                    && JDMAStages.Request(rawValue: request.stage)?.isFinal != true
            }) else { throw error }
            record = existing
        }
        logger.info("JDMA GET submitted", metadata: ["source": "\(name)", "batch": "\(batch.id)", "request": "\(record.id)"])
        return record
    }

    /// Journals the GET with the Core's tracker, whose monitor follows it; `requestEnded` wakes the readers.
    private func followRetrieval(of batch: JDMABatchRecord, requestID: Int, directory: String, tree: BatchTree) {
        let file = TrackedTransferFile(sourcePath: directory, destinationPath: directory,
                                       sourceURL: JDMARequests.batchURL(batch.id),
                                       destinationURL: retrievals.targetDirectory(batchID: batch.id).path,
                                       size: tree.files.values.reduce(0) { $0 + $1.size }, adler32: nil)
        jobsSlot.jobs?.track(JDMARequests.jobID(.get, requestID), files: [file])
    }

    /// A GET ended (here, or in the run before a restart): every reader of the batch wakes with its outcome.
    func retrievalEnded(_ job: TrackedJob, requestID: Int) {
        guard let batchID = JDMARequests.batchID(of: job) else { return }
        if job.state == .finished {
            logger.info("JDMA GET completed", metadata: ["source": "\(name)", "batch": "\(batchID)", "request": "\(requestID)"])
            retrievals.finish(batchID: batchID, requestID: requestID, outcome: .staged)
        } else {
            let why = "GET request \(requestID) of batch \(batchID) ended \(job.state): \(job.reason ?? job.state.rawValue)"
            logger.error("JDMA GET failed", metadata: ["source": "\(name)", "why": "\(why)"])
            retrievals.finish(batchID: batchID, requestID: requestID, outcome: .failed(.io(why)))
        }
    }

    /// Where JDMA put the file. The server restores files relative to *its* common path of the batch, which may
    /// be shallower than the directory this tree strips (`BatchTree.commonDirectory`), so every tail of the
    /// original path that contains the relative path is tried, shortest first (the last is the full path).
    private func locateStaged(_ file: BatchTree.File, relative: String, tree: BatchTree, batchID: Int) throws -> URL {
        let target = retrievals.targetDirectory(batchID: batchID)
        let original = BatchTree.components(file.originalPath)
        let relativeCount = BatchTree.components(relative).count
        let tails = stride(from: max(0, original.count - relativeCount), through: 0, by: -1).map {
            original[$0...].joined(separator: "/")
        }
        for candidate in tails where !candidate.isEmpty {
            let url = target.appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw FSError.io("GET of batch \(batchID) completed but \(relative) is not in \(target.path)")
    }

    /// Streams `[offset, offset+length)` of a local file to `sink`, clamped to its end.
    static func copyBytes(of url: URL, offset: UInt64, length: UInt64,
                          sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw FSError.fromErrno(errno) }
        defer { close(fd) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var delivered: UInt64 = 0
        while delivered < length {
            let want = Int(min(UInt64(chunk), length - delivered))
            let n = pread(fd, buffer.baseAddress, want, off_t(offset + delivered))
            if n < 0 {
                if errno == EINTR { continue }
                throw FSError.fromErrno(errno)
            }
            if n == 0 { break }
            try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            delivered += UInt64(n)
        }
        return delivered
    }
}
