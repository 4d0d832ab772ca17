import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// mkdir, delete, rename/move and server-side copy: `PUT`/`DELETE` on media URLs (docs/protocols/agave.md §4.6, §4.7).
extension AgaveBackend {
    public func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("mkdir", path) {
            let (id, components) = try SystemsTreeLocation.forWriting(path)
            guard let leaf = components.last else {
                // Systems cannot be created through the filesystem; an existing one is simply there.
                _ = try stat(path)
                throw FSError.exists
            }
            let url = api.endpoints.media(system: id, path: Array(components.dropLast()))
            let response: HTTPResponse
            do {
                response = try api.send(.put, url, body: .json(AgaveManageAction(action: "mkdir", path: leaf)))
            } catch HTTPError.status(code: 400, _) {
                throw FSError.exists // a file of that name is in the way
            }
            // 201 = created; 200 = "Directory … already exists".
            if response.status == 200 {
                let message = AgaveErrorMapping.message(response.body) ?? ""
                if message.lowercased().contains("exist") { throw FSError.exists }
            }
            return .directory(mtime: Date(), permissions: AgavePermissions.mode("ALL", kind: .directory))
        }
    }

    /// Agave deletes directories recursively; `rmdir` must not, so a directory is checked for children
    /// first (one listing request with limit 2: the `.` row plus at most one child).
    public func delete(_ path: RemotePath, kind: NodeKind) throws {
        try mapErrors("delete", path) {
            let (id, components) = try SystemsTreeLocation.forWriting(path)
            guard !components.isEmpty else { throw FSError.permissionDenied } // never delete a system root
            if kind == .directory {
                let rows = try api.result([AgaveFileRecord].self, .get,
                                          api.endpoints.listing(system: id, path: components, limit: 2, offset: 0))
                if rows.contains(where: { !$0.isSelfOrParent }) { throw FSError.notEmpty }
            }
            _ = try api.send(.delete, api.endpoints.media(system: id, path: components))
        }
    }

    /// Same directory → `rename` (new leaf name); another directory → `move` (destination relative to the
    /// system root). Across systems there is no single request: `.crossDevice`, so `mv` copies instead.
    public func rename(_ from: RemotePath, to: RemotePath) throws {
        try mapErrors("rename", from) {
            let source = try SystemsTreeLocation.forWriting(from)
            let target = try SystemsTreeLocation.forWriting(to)
            guard !source.path.isEmpty, let leaf = target.path.last else { throw FSError.permissionDenied }
            guard source.id == target.id else { throw FSError.crossDevice }
            let action = source.path.dropLast() == target.path.dropLast()
                ? AgaveManageAction(action: "rename", path: leaf)
                : AgaveManageAction(action: "move", path: target.path.joined(separator: "/"))
            _ = try api.send(.put, api.endpoints.media(system: source.id, path: source.path), body: .json(action))
        }
    }

    /// Server-side copies between places of this Agave tenant:
    /// - same system: the files API `copy` action on the source (one request);
    /// - another system: an import into the destination directory with `urlToIngest=agave://<system>/<path>`
    ///   (the service fetches the bytes itself). Real Agave answers 202 and stages asynchronously, so the import is
    ///   a job of the Core's tracker (`AgaveImports`): journaled, shown in `.sciencefs/transfers/`, and waited for
    ///   here by the one poll rule. A STAGING_FAILED import fails at once with EIO and the service's reason.
    ///   Without a job journal (a backend used outside a mount) there is no import: `.notPossible`.
    /// Anything else (another source) is `.notPossible`, so the kernel streams the bytes.
    public func copy(from: RemoteRef, to: RemotePath) throws -> CopyOutcome {
        guard let (sourceID, sourcePath, targetID, targetPath) = SystemsTreeLocation.copyWithin(source: name, from: from, to: to) else {
            return .notPossible
        }
        if sourceID == targetID {
            return try mapErrors("copy", to) {
                let action = AgaveManageAction(action: "copy", path: targetPath.joined(separator: "/"))
                _ = try api.send(.put, api.endpoints.media(system: sourceID, path: sourcePath), body: .json(action))
                return .copied(try stat(to))
            }
        }
        guard let jobs = jobsSlot.jobs else { return .notPossible }
        return try mapErrors("import", to) {
            let size = try stat(from.path).size
            guard let leaf = targetPath.last else { throw FSError.isDirectory }
            let sourceURL = AgaveImports.url(system: sourceID, path: sourcePath)
            let form: [(String, String)] = [("urlToIngest", sourceURL), ("fileName", leaf), ("fileType", ""),
                                            ("notifications", "")]
            let requested = Date()
            _ = try api.send(.post, api.endpoints.media(system: targetID, path: Array(targetPath.dropLast())),
                             body: .form(form))
            let jobID = "import-\(Int64(requested.timeIntervalSince1970 * 1000))-\(importCounter.next())"
            jobs.track(jobID, files: [TrackedTransferFile(
                sourcePath: TransferPlanner.mountPath(source: name, from.path),
                destinationPath: TransferPlanner.mountPath(source: name, to),
                sourceURL: sourceURL, destinationURL: AgaveImports.url(system: targetID, path: targetPath),
                size: size, adler32: nil)], submittedAt: requested)
            let job = try jobs.wait(for: jobID)
            guard job.state == .finished else {
                throw FSError.io("Agave import into \(targetID)/\(targetPath.joined(separator: "/")) failed: "
                    + (job.reason ?? job.state.rawValue))
            }
            return .copied(try stat(to))
        }
    }

    /// Registers imports with the Core's tracker.
    public func attach(_ jobs: ServerJobs) {
        do { try jobs.register(AgaveImports(name: name, api: api, pageSize: configuration.pageSize)) } catch {
            logger.error("Agave imports cannot be followed; cross-system copies stream", metadata: ["source": "\(name)", "why": "\(error)"])
            return
        }
        jobsSlot.jobs = jobs
    }

    public func attach(_ origins: ReadOrigins.Reporter) { readOrigins.value = origins }

    /// A job's outputs (`jobs/<name>-<id>/outputs/…`) were made by that job (`user.sciencefs.job`); no request.
    public func producingJob(of path: RemotePath) -> String? {
        guard case .jobs(let jobPath)? = try? SystemsTreeLocation(path) else { return nil }
        return jobs.producingJob(jobPath)
    }
}
