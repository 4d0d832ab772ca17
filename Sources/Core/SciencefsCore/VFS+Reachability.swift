import Foundation
import SciencefsStore

/// Working through outages (docs/RELIABILITY.md, "When a service is down"): the one wrapper every backend call
/// that may find a source unreachable goes through, the stale answers a `serve-stale` source gives meanwhile, and
/// the uploads that wait for it to come back.
extension VFS {
    /// The source's `offline` setting.
    func offlineMode(_ source: String?) -> OfflineMode {
        source.flatMap { options.offlineModes[$0] } ?? .serveStale
    }

    /// Whether `key`'s source is known to be unreachable and serves what is cached meanwhile.
    func servesStaleNow(_ key: NodeKey) -> Bool {
        guard let source = key.source, offlineMode(source) == .serveStale else { return false }
        return health.isOffline(source)
    }

    /// Whether `error` (from a call to `key`'s source) lets a `serve-stale` source answer from its caches.
    func mayServeStale(after error: Error, _ key: NodeKey) -> Bool {
        offlineMode(key.source) == .serveStale && SourceHealth.isOutage(error)
    }

    /// What the caches last knew of `key`, however old, while its source is unreachable: its attributes; ENOENT when
    /// its parent's last complete listing lacks it (so a file can be created offline); nil when nothing is known
    /// (the caller then fails as it would have).
    func staleAttributes(of key: NodeKey, backend: Backend, now: Date) throws -> RemoteAttributes? {
        if let stale = metadata.attributes(key, ttl: .infinity, now: now) { return stale }
        if backend.listingIsComplete(key.parent.path), let siblings = metadata.listing(key.parent, ttl: .infinity, now: now),
           !siblings.contains(where: { $0.name == key.name }) {
            throw FSError.notFound
        }
        return nil
    }

    /// Runs one call to `key`'s backend and tells `SourceHealth` what it showed: an outage takes the source offline
    /// (logged once), any answer brings it back (logged once). `probe` repeats a cheap form of the call; while the
    /// source is offline it runs every `SourceHealth.probeInterval` seconds. Errors are rethrown unchanged.
    func reaching<T>(_ key: NodeKey, probe: @escaping @Sendable () throws -> Void, _ body: () throws -> T) throws -> T {
        guard let source = key.source, source != ControlBackend.sourceName else { return try body() }
        do {
            let value = try body()
            answered(source)
            return value
        } catch {
            if SourceHealth.isOutage(error) {
                unreachable(source, error, probe: probe)
            } else if FSError.from(error) != .cancelled {
                answered(source)
            }
            throw error
        }
    }

    private func unreachable(_ source: String, _ error: Error, probe: @escaping @Sendable () throws -> Void) {
        let now = clock.now()
        let cause = "\(FSError.from(error))"
        guard health.noteOutage(source, cause: cause, at: now, probe: probe) else { return }
        let since = ISO8601DateFormatter().string(from: now)
        if offlineMode(source) == .serveStale {
            logger.warning("serving cached metadata since \(since)", metadata: [
                "source": "\(source)", "cause": "\(cause)", "probe_every_s": "\(Int(SourceHealth.probeInterval))"])
        } else {
            logger.warning("source unreachable since \(since) (offline = \"fail\": no stale answers)",
                           metadata: ["source": "\(source)", "cause": "\(cause)"])
        }
        health.startProbes { [weak self] in self?.probeOfflineSources() }
    }

    private func answered(_ source: String) {
        guard let since = health.noteAnswer(source, at: clock.now()) else { return }
        logger.notice("source back online", metadata: [
            "source": "\(source)", "offline_since": "\(ISO8601DateFormatter().string(from: since))"])
        health.stopProbesIfAllOnline()
        // Not on the caller's thread: that is a FUSE request (or a probe) that should not wait for the uploads.
        DispatchQueue.global(qos: .utility).async { [weak self] in self?.sendWaitingUploads(of: source) }
    }

    /// One probe round: each offline source's last failed call, once.
    private func probeOfflineSources() {
        for (source, probe) in health.pendingProbes() {
            let key = NodeKey(source: source, path: .root)
            _ = try? reaching(key, probe: probe) { try probe() }
        }
        health.stopProbesIfAllOnline()
    }

    // MARK: uploads that wait for their source

    /// Why an upload did not happen yet: its source is unreachable and `serve-stale`. The bytes stay staged and
    /// journaled; they go out when the source answers again. `close()` succeeds.
    struct UploadWaitsForSource: Error, CustomStringConvertible {
        var source: String
        var description: String { "\(source) cannot be reached; the upload waits for it in the journal" }
    }

    /// Parks `staged` until its source is back, when `error` (nil: the source is already known to be offline) is
    /// an outage of a `serve-stale` source and the bytes are journaled; returns the error the upload then throws,
    /// nil when the upload fails as it always did. An upload that timed out is not parked: the server accepted it
    /// and may be acting on it, so it fails with ETIMEDOUT and is kept, as before (the source still goes offline).
    func parkUpload(_ staged: StagedFile, after error: Error?) -> UploadWaitsForSource? {
        let outage = error.map { SourceHealth.isOutage($0) && FSError.from($0) != .timedOut } ?? true
        guard let source = staged.key.source, offlineMode(source) == .serveStale, let id = staged.journalID,
              outage else { return nil }
        staged.lock.lock()
        let first = !staged.waitsForSource
        staged.waitsForSource = true
        staged.dirty = true
        staged.lock.unlock()
        waitingUploads.add(id, source: source)
        do {
            try store?.setUploadState(id: id, state: .staged, error: "waiting for \(source) to be reachable")
        } catch {
            logger.warning("cannot record upload state in the journal", metadata: ["path": "\(staged.key)", "error": "\(error)"])
        }
        if first {
            logger.notice("upload waits for the source to come back; the bytes stay in the journal",
                          metadata: ["path": "\(staged.key)", "staging": "\(staged.url.path)"])
        }
        return UploadWaitsForSource(source: source)
    }

    /// Sends the uploads parked for `source` (run when it is back). One that is still open for writing goes at its
    /// last close instead; one that fails again for an outage is parked again; any other failure keeps it in the
    /// journal as failed, as every refused upload is.
    func sendWaitingUploads(of source: String) {
        for id in waitingUploads.take(source: source) {
            guard !health.isOffline(source) else {
                waitingUploads.add(id, source: source)
                continue
            }
            guard let record = try? store?.upload(id: id), record.state == .staged else { continue }
            let key = NodeKey(source: record.source, path: RemotePath(string: record.path))
            if isOpenForWriting(record) {
                waitingUploads.add(id, source: source)
                continue
            }
            do {
                try uploadJournaled(record)
                logger.notice("upload that waited for the source sent", metadata: ["path": "\(key)"])
            } catch is UploadWaitsForSource {
                // Parked again by `upload`; sent at the next return.
            } catch {
                logger.error("upload that waited for the source failed; staged bytes kept", metadata: [
                    "path": "\(key)", "staging": "\(record.stagingFile)", "cause": "\(FSError.from(error))"])
            }
        }
    }

    /// The bytes of a file written while its source could not be reached, parked in the journal until it can: the
    /// mount lists the file, so a reader opening it reads these (the server does not have them yet). Opened
    /// read-only; the journal row and the staging file stay the upload's, and the upload may remove the file
    /// while it is open here (the descriptor still reads it). Nil when no upload of `key` is parked.
    func parkedCopy(of key: NodeKey) -> StagedFile? {
        guard let source = key.source, let store else { return nil }
        // The newest parked write of the file is what the mount shows.
        for id in waitingUploads.ids(source: source).reversed() {
            guard let record = try? store.upload(id: id), record.state == .staged,
                  record.path == key.path.string else { continue }
            let fd = Foundation.open(record.stagingFile, O_RDONLY | O_CLOEXEC)
            // Gone: the upload went out just now, and the server has the bytes.
            guard fd >= 0 else { return nil }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                Foundation.close(fd)
                return nil
            }
            return StagedFile(key: key, url: URL(fileURLWithPath: record.stagingFile), fd: fd, journalID: nil,
                              size: UInt64(max(0, info.st_size)),
                              mtime: Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)),
                              dirty: false, permissions: 0o644)
        }
        return nil
    }

    private func isOpenForWriting(_ record: UploadRecord) -> Bool {
        let key = NodeKey(source: record.source, path: RemotePath(string: record.path))
        lock.lock()
        defer { lock.unlock() }
        return staged[key]?.url.path == record.stagingFile
    }

    /// What `sciencefs status` shows about the sources' reachability.
    var reachability: [SourceReachability] { health.snapshot }
}

/// Journal rows of uploads parked until their source is reachable again, by source.
///
/// `@unchecked Sendable` because `lock` guards `ids`. A leaf in the lock order (see `VFS`).
final class WaitingUploads: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: Set<Int64>] = [:]

    func add(_ id: Int64, source: String) {
        lock.withLock { _ = ids[source, default: []].insert(id) }
    }

    /// The parked rows of `source`, oldest first; they stay parked.
    func ids(source: String) -> [Int64] {
        lock.withLock { ids[source].map { $0.sorted() } ?? [] }
    }

    /// Every parked row of `source`, sorted (oldest first); they are no longer parked.
    func take(source: String) -> [Int64] {
        lock.withLock { ids.removeValue(forKey: source).map { $0.sorted() } ?? [] }
    }
}
