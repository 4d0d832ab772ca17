import Foundation
import SciencefsCore
import SciencefsHTTP

/// mkdir, delete, rename/move and server-side copy: `PUT`/`DELETE` on media URLs (docs/protocols/agave.md §4.6, §4.7).
extension AgaveBackend {
    public func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("mkdir", path) {
            let (id, components) = try AgaveLocation.forWriting(path)
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
            let (id, components) = try AgaveLocation.forWriting(path)
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
            let source = try AgaveLocation.forWriting(from)
            let target = try AgaveLocation.forWriting(to)
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
    ///   (the service fetches the bytes itself), then the destination is polled with backoff until it has the
    ///   source's size, since real Agave stages imports asynchronously (202). The import shows in
    ///   `.sciencefs/transfers/` while it runs.
    /// Anything else (another source) is `.notPossible`, so the kernel streams the bytes.
    public func copy(from: RemoteRef, to: RemotePath) throws -> CopyOutcome {
        guard from.source == name,
              case .system(let sourceID, let sourcePath)? = try? AgaveLocation(from.path), !sourcePath.isEmpty,
              case .system(let targetID, let targetPath)? = try? AgaveLocation(to), !targetPath.isEmpty else {
            return .notPossible
        }
        if sourceID == targetID {
            return try mapErrors("copy", to) {
                let action = AgaveManageAction(action: "copy", path: targetPath.joined(separator: "/"))
                _ = try api.send(.put, api.endpoints.media(system: sourceID, path: sourcePath), body: .json(action))
                return .copied(try stat(to))
            }
        }
        return try mapErrors("import", to) {
            let size = try stat(from.path).size
            guard let leaf = targetPath.last else { throw FSError.isDirectory }
            let sourceURL = "agave://\(sourceID)/" + sourcePath.map { PercentEncoding.pathSegment($0) }.joined(separator: "/")
            let id = imports.begin(files: [from.path.string, to.string], bytes: size)
            do {
                let form: [(String, String)] = [("urlToIngest", sourceURL), ("fileName", leaf), ("fileType", ""),
                                                ("notifications", "")]
                let requested = Date()
                _ = try api.send(.post, api.endpoints.media(system: targetID, path: Array(targetPath.dropLast())),
                                 body: .form(form))
                imports.update(id, state: "STAGING")
                try waitForImport(system: targetID, path: targetPath, requestedAt: requested)
                imports.update(id, state: "STAGING_COMPLETED")
                return .copied(try stat(to))
            } catch {
                imports.update(id, state: "STAGING_FAILED", detail: "\(error)")
                throw error
            }
        }
    }

    /// Follows an import through the destination's history (0.1 s, doubling to 5 s) until the service reports
    /// `STAGING_COMPLETED`, or fails at once with EIO and the service's reason on `STAGING_FAILED`; gives up
    /// after an hour (ETIMEDOUT). A history that is not there yet (404: the import is still queued) is asked again.
    /// The deciding event is the newest terminal one made since the request (by time, then by place in the list).
    private func waitForImport(system: String, path: [String], requestedAt: Date) throws {
        var delay: TimeInterval = 0.1
        let deadline = Date().addingTimeInterval(3600)
        let since = requestedAt.addingTimeInterval(-2) // the service's clock and ours differ a little
        while true {
            if let outcome = try importOutcome(system: system, path: path, since: since) {
                guard outcome.status == "STAGING_COMPLETED" else {
                    throw FSError.io("Agave import into \(system)/\(path.joined(separator: "/")) failed: "
                        + "\(outcome.status)\(outcome.description.map { ": \($0)" } ?? "")")
                }
                return
            }
            guard Date() < deadline else { throw FSError.timedOut }
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 2, 5)
        }
    }

    private func importOutcome(system: String, path: [String], since: Date) throws -> AgaveHistoryEvent? {
        let events: [AgaveHistoryEvent]
        do { events = try api.result([AgaveHistoryEvent].self, .get, api.endpoints.history(system: system, path: path)) }
        catch HTTPError.status(code: 404, _) { return nil }
        let terminal = events.enumerated().filter { _, event in
            AgaveHistoryEvent.terminal.contains(event.status)
                && (event.created.flatMap(AgaveTimestamp.parse).map { $0 >= since } ?? true)
        }
        return terminal.max { a, b in
            let ta = a.element.created.flatMap(AgaveTimestamp.parse) ?? .distantPast
            let tb = b.element.created.flatMap(AgaveTimestamp.parse) ?? .distantPast
            return ta == tb ? a.offset < b.offset : ta < tb
        }?.element
    }

    public func transfers() -> [TransferRecord] { imports.records }
}
