import Foundation

/// Moves requests through their stages on the clock (stages spread evenly between submission and `dueAt`) or on
/// a test's command, and applies each request's effect when it completes. Call with the lock held.
extension JDMAServerState {
    func tick(now: Date = Date()) {
        for id in requests.keys.sorted() {
            guard let request = requests[id], !request.stage.isFinished, let due = request.dueAt else { continue }
            if now >= due {
                complete(id)
            } else {
                let path = JDMARequestStage.path(for: request.type)
                let span = due.timeIntervalSince(request.date)
                let fraction = span > 0 ? now.timeIntervalSince(request.date) / span : 1
                let index = min(path.count - 2, max(0, Int(fraction * Double(path.count - 1))))
                setStage(id, path[index])
            }
        }
    }

    /// Finishes a request now: PUT → batch ON_STORAGE (MIGRATE also deletes the originals); GET → files written
    /// under `target_path`; DELETE → batch DELETED, store and quota released. An effect that fails (e.g. the
    /// target directory vanished) fails the request instead.
    func complete(_ id: Int) {
        guard let request = requests[id], !request.stage.isFinished, var batch = batches[request.batchID] else { return }
        do {
            switch request.type {
            case .put, .migrate:
                batch.stage = .onStorage
                batch.externalID = "\(batch.storage)-\(batch.workspace)-\(batch.id)"
                batch.registeredDate = Date()
                if request.type == .migrate {
                    for file in batch.files { try? FileManager.default.removeItem(atPath: file.originalPath) }
                }
            case .get:
                let target = URL(fileURLWithPath: request.targetPath ?? "/nonexistent", isDirectory: true)
                try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                for path in request.filelist { try store.restore(batch: batch.id, relativePath: path, into: target) }
            case .delete:
                batch.stage = .deleted
                store.remove(batch: batch.id)
                workspaces[batch.workspace]?.used[batch.storage, default: 0] -= batch.totalSize
            }
        } catch {
            fail(id, reason: "\(error)")
            return
        }
        batches[batch.id] = batch
        requests[id]?.stage = JDMARequestStage.path(for: request.type).last ?? request.stage
        logger.info("JDMA request completed", metadata: ["request": "\(id)", "batch": "\(batch.id)"])
    }

    /// Fails a request with `reason`. A failed PUT fails its batch and releases the quota it reserved; a failed
    /// DELETE puts the batch back ON_STORAGE; a failed GET writes nothing.
    func fail(_ id: Int, reason: String) {
        guard let request = requests[id], !request.stage.isFinished else { return }
        requests[id]?.stage = .failed
        requests[id]?.failureReason = reason
        guard var batch = batches[request.batchID] else { return }
        switch request.type {
        case .put, .migrate:
            batch.stage = .failed
            workspaces[batch.workspace]?.used[batch.storage, default: 0] -= batch.totalSize
        case .delete:
            batch.stage = .onStorage
        case .get:
            break
        }
        batches[batch.id] = batch
        logger.info("JDMA request failed", metadata: ["request": "\(id)", "reason": "\(reason)"])
    }

    /// Sets an unfinished request's intermediate stage and keeps the batch stage in step (PUTTING from
    /// PUT_PENDING on).
    private func setStage(_ id: Int, _ stage: JDMARequestStage) {
        guard let request = requests[id], request.stage != stage else { return }
        requests[id]?.stage = stage
        let path = JDMARequestStage.path(for: request.type)
        if request.type == .put || request.type == .migrate,
           let reached = path.firstIndex(of: stage), let pending = path.firstIndex(of: .putPending), reached >= pending,
           batches[request.batchID]?.stage == .onDisk {
            batches[request.batchID]?.stage = .putting
        }
    }
}
