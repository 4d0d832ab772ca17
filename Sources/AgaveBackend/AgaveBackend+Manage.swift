import Foundation
import SciencefsCore
import SciencefsHTTP

/// mkdir, delete, rename/move and server-side copy: `PUT`/`DELETE` on media URLs (protocol §4.6, §4.7).
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

    /// Server-side copy when source and destination are on the same Agave system (`copy` action).
    /// Other sources, or another system, are `.notPossible` for now (Agave's `urlToIngest` import could
    /// cover those later), so the kernel streams the bytes instead.
    public func copy(from: RemoteRef, to: RemotePath) throws -> CopyOutcome {
        guard from.source == name,
              case .system(let sourceID, let sourcePath)? = try? AgaveLocation(from.path), !sourcePath.isEmpty,
              case .system(let targetID, let targetPath)? = try? AgaveLocation(to), !targetPath.isEmpty,
              sourceID == targetID else {
            return .notPossible
        }
        return try mapErrors("copy", to) {
            let action = AgaveManageAction(action: "copy", path: targetPath.joined(separator: "/"))
            _ = try api.send(.put, api.endpoints.media(system: sourceID, path: sourcePath), body: .json(action))
            return .copied(try stat(to))
        }
    }
}
