import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// mkdir, delete, move and copies (docs/protocols/tapis.md §5.4–§5.6, §6).
extension TapisBackend {
    /// `POST /v3/files/ops/{systemId}` with `{"path"}`. Tapis answers success for a directory that already exists, so
    /// the path is looked up first: mkdir of an existing name is EEXIST, as POSIX wants.
    public func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("mkdir", path) {
            let (id, components) = try SystemsTreeLocation.forWriting(path)
            if components.isEmpty || (try? stat(path)) != nil { throw FSError.exists }
            _ = try api.send(.post, api.endpoints.mkdir(system: id),
                             body: .json(TapisMkdir(path: components.joined(separator: "/"))))
            return .directory(mtime: Date(), permissions: 0o755)
        }
    }

    /// `DELETE` removes a directory with everything in it; `rmdir` must not, so a directory is checked for children
    /// first (one listing request of one row).
    public func delete(_ path: RemotePath, kind: NodeKind) throws {
        try mapErrors("delete", path) {
            let (id, components) = try SystemsTreeLocation.forWriting(path)
            guard !components.isEmpty else { throw FSError.permissionDenied } // never delete a system root
            if kind == .directory {
                let rows = try api.result([TapisFileInfo].self, .get,
                                          api.endpoints.listing(system: id, path: components, limit: 1, offset: 0))
                if let row = rows.first, !row.isItself(requested: components) { throw FSError.notEmpty }
            }
            _ = try api.send(.delete, api.endpoints.ops(system: id, path: components))
        }
    }

    /// `PUT` with operation MOVE and the new path from the system root. Across systems there is no single request:
    /// `.crossDevice`, so `mv` copies instead.
    public func rename(_ from: RemotePath, to: RemotePath) throws {
        try mapErrors("rename", from) {
            let source = try SystemsTreeLocation.forWriting(from)
            let target = try SystemsTreeLocation.forWriting(to)
            guard !source.path.isEmpty, !target.path.isEmpty else { throw FSError.permissionDenied }
            guard source.id == target.id else { throw FSError.crossDevice }
            try moveOrCopy("MOVE", system: source.id, from: source.path, to: target.path)
        }
    }

    func moveOrCopy(_ operation: String, system: String, from: [String], to: [String]) throws {
        _ = try api.send(.put, api.endpoints.ops(system: system, path: from),
                         body: .json(TapisMoveCopy(operation: operation, newPath: to.joined(separator: "/"))))
    }

    /// Server-side copies between places of this Tapis tenant:
    /// - same system: `PUT` with operation COPY (one request, no bytes through this machine);
    /// - another system: a transfer task (`POST /v3/files/transfers`), a job of the Core's tracker
    ///   (`TapisTransferTasks`): journaled, shown in `.sciencefs/transfers/`, and waited for here by the one poll
    ///   rule. A failed task fails the copy with EIO and the service's reason. Without a job journal (a backend used
    ///   outside a mount) there is no task: `.notPossible`.
    /// Anything else (another source) is `.notPossible`, so the kernel streams the bytes.
    public func copy(from: RemoteRef, to: RemotePath) throws -> CopyOutcome {
        guard let (sourceID, sourcePath, targetID, targetPath) = SystemsTreeLocation.copyWithin(source: name, from: from, to: to) else {
            return .notPossible
        }
        if sourceID == targetID {
            return try mapErrors("copy", to) {
                try moveOrCopy("COPY", system: sourceID, from: sourcePath, to: targetPath)
                return .copied(try stat(to))
            }
        }
        guard let tracker = jobsSlot.jobs else { return .notPossible }
        return try mapErrors("transfer", to) {
            let size = try stat(from.path).size
            let sourceURI = TapisEndpoints.uri(system: sourceID, path: sourcePath)
            let destinationURI = TapisEndpoints.uri(system: targetID, path: targetPath)
            let requested = Date()
            let task = try api.result(TapisTransferTask.self, .post, api.endpoints.transfers, body: .json(
                TapisTransferRequest(tag: "sciencefs", elements: [.init(sourceURI: sourceURI, destinationURI: destinationURI)])))
            tracker.track(task.uuid, files: [TrackedTransferFile(
                sourcePath: TransferPlanner.mountPath(source: name, from.path),
                destinationPath: TransferPlanner.mountPath(source: name, to),
                sourceURL: sourceURI, destinationURL: destinationURI, size: size, adler32: nil)], submittedAt: requested)
            let job = try tracker.wait(for: task.uuid)
            guard job.state == .finished else {
                throw FSError.io("Tapis transfer into \(targetID)/\(targetPath.joined(separator: "/")) failed: "
                    + (job.reason ?? job.state.rawValue))
            }
            return .copied(try stat(to))
        }
    }

    /// Registers transfer tasks with the Core's tracker.
    public func attach(_ jobs: ServerJobs) {
        do { try jobs.register(TapisTransferTasks(name: name, api: api)) } catch {
            logger.error("Tapis transfer tasks cannot be followed; cross-system copies stream",
                         metadata: ["source": "\(name)", "why": "\(error)"])
            return
        }
        jobsSlot.jobs = jobs
    }

    public func attach(_ origins: ReadOrigins.Reporter) { readOrigins.value = origins }

    /// A job's outputs (`jobs/<name>-<uuid>/outputs/…`) were made by that job (`user.sciencefs.job`); no request.
    public func producingJob(of path: RemotePath) -> String? {
        guard case .jobs(let jobPath)? = try? SystemsTreeLocation(path) else { return nil }
        return jobs.producingJob(jobPath)
    }
}
