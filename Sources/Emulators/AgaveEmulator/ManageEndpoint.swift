import EmulatorSupport
import Foundation
import Hummingbird
#if canImport(Glibc)
import Glibc
#endif

/// `PUT /files/v2/media/system/{id}/{path}` with `{"action", "path"}` (docs/protocols/agave.md §4.6) and
/// `DELETE` on the same URL (§4.7).
///
/// Destinations that already exist: a file is replaced by a file (copy can `append` instead); anything
/// involving an existing directory as destination is refused with 400, since Agave would otherwise nest or merge.
struct ManageEndpoint {
    let state: EmulatorState

    struct Operation {
        var action: String?
        var path: String?
        var append = false
    }

    func manage(_ item: SystemPath, request: Request, owner: String, options: ReplyOptions) async throws -> Response {
        let operation = try await Self.decodeOperation(request)
        guard let action = operation.action?.lowercased(), !action.isEmpty else {
            throw AgaveError.badRequest("Please provide a file action to perform")
        }
        let known = ["mkdir", "rename", "move", "copy"]
        guard known.contains(action) else { throw AgaveError(501, "Action \(action) is not supported") }
        guard let destination = operation.path, !destination.isEmpty else {
            throw AgaveError.badRequest("Please specify a destination path for the \(action) action")
        }
        guard let itemStat = FileStat(path: item.fileSystemPath) else { throw AgaveError.notFound() }
        let version = state.configuration.apiVersion
        let objects = state.objects

        switch action {
        case "mkdir":
            guard itemStat.isDirectory else { throw AgaveError.badRequest("\(item.agavePath) is not a directory") }
            let target = item.appending(try SystemPath.validatedSegments(destination))
            if let existing = FileStat(path: target.fileSystemPath) {
                guard existing.isDirectory else {
                    throw AgaveError.badRequest("A file already exists at \(target.agavePath)")
                }
                return Replies.success(objects.logicalFile(target, owner: owner, source: nil, status: "STAGING_COMPLETED", stat: existing),
                                       message: "Directory \(target.agavePath) already exists", status: 200,
                                       options: options, version: version)
            }
            try createDirectories(target)
            return Replies.success(objects.logicalFile(target, owner: owner, source: nil, status: "STAGING_COMPLETED",
                                                       stat: FileStat(path: target.fileSystemPath)),
                                   status: 201, options: options, version: version)
        case "rename":
            let name = try UploadEndpoint.leafName(destination)
            let target = item.parent.appending([name])
            try move(item, itemStat: itemStat, to: target)
            return done(target, owner: owner, options: options)
        case "move":
            let target = try state.systemPath(systemId: item.systemId, segments: SystemPath.validatedSegments(destination))
            try move(item, itemStat: itemStat, to: target)
            return done(target, owner: owner, options: options)
        default: // copy
            let target = try state.systemPath(systemId: item.systemId, segments: SystemPath.validatedSegments(destination))
            try checkDestination(of: item, itemStat: itemStat, target: target)
            if target.fileSystemPath != item.fileSystemPath || operation.append {
                try FileCopier.copy(from: item.fileSystemPath, to: target.fileSystemPath, append: operation.append)
            }
            return done(target, owner: owner, options: options)
        }
    }

    func delete(_ item: SystemPath, options: ReplyOptions) throws -> Response {
        guard FileStat(path: item.fileSystemPath) != nil else { throw AgaveError.notFound() }
        if item.isRoot { throw AgaveError(403, "The root directory of a system cannot be deleted") }
        do {
            try FileManager.default.removeItem(atPath: item.fileSystemPath)
        } catch {
            throw AgaveError(500, "Failed to delete \(item.agavePath)")
        }
        state.logger.info("deleted", metadata: ["system": "\(item.systemId)", "path": "\(item.agavePath)"])
        return Replies.success(.object([]), options: options, version: state.configuration.apiVersion)
    }

    private func done(_ target: SystemPath, owner: String, options: ReplyOptions) -> Response {
        let result = state.objects.logicalFile(target, owner: owner, source: nil, status: "STAGING_COMPLETED",
                                               stat: FileStat(path: target.fileSystemPath))
        return Replies.success(result, options: options, version: state.configuration.apiVersion)
    }

    private func createDirectories(_ target: SystemPath) throws {
        var walk = target.parent
        while !walk.isRoot, FileStat(path: walk.fileSystemPath) == nil { walk = walk.parent }
        if let blocker = FileStat(path: walk.fileSystemPath), !blocker.isDirectory {
            throw AgaveError.badRequest("\(walk.agavePath) is a file")
        }
        try FileManager.default.createDirectory(atPath: target.fileSystemPath, withIntermediateDirectories: true)
    }

    /// Shared rules for move/rename/copy destinations.
    private func checkDestination(of item: SystemPath, itemStat: FileStat, target: SystemPath) throws {
        if item.isRoot { throw AgaveError.badRequest("The root directory of a system cannot be moved or copied") }
        if target.isRoot { throw AgaveError.badRequest("Destination may not be the system root") }
        if target.fileSystemPath.hasPrefix(item.fileSystemPath + "/") {
            throw AgaveError.badRequest("Cannot move or copy a folder into itself")
        }
        guard let parentStat = FileStat(path: target.parent.fileSystemPath) else {
            throw AgaveError.notFound("Destination folder \(target.parent.agavePath) does not exist")
        }
        guard parentStat.isDirectory else { throw AgaveError.badRequest("\(target.parent.agavePath) is not a directory") }
        if target.fileSystemPath != item.fileSystemPath, let existing = FileStat(path: target.fileSystemPath),
           existing.isDirectory || itemStat.isDirectory {
            throw AgaveError.badRequest("Destination \(target.agavePath) already exists")
        }
    }

    private func move(_ item: SystemPath, itemStat: FileStat, to target: SystemPath) throws {
        try checkDestination(of: item, itemStat: itemStat, target: target)
        guard target.fileSystemPath != item.fileSystemPath else { return }
        guard rename(item.fileSystemPath, target.fileSystemPath) == 0 else {
            throw AgaveError(500, "Failed to move \(item.agavePath): errno \(errno)")
        }
    }

    /// Accepts JSON (what agavepy's swagger client sends) or form encoding (what the CLI helpers send).
    static func decodeOperation(_ request: Request) async throws -> Operation {
        let body = try await request.body.collect(upTo: 1 << 20)
        let text = String(buffer: body)
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        if contentType.contains("json") || (!contentType.contains("form") && text.hasPrefix("{")) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw AgaveError.badRequest("Request body is not a valid JSON object")
            }
            var operation = Operation()
            operation.action = object["action"] as? String
            operation.path = object["path"] as? String
            if let flag = object["append"] as? Bool { operation.append = flag }
            if let flag = object["append"] as? String { operation.append = flag.lowercased() == "true" }
            return operation
        }
        let form = FormEncoding.decodeForm(text)
        return Operation(action: form["action"], path: form["path"], append: form["append"]?.lowercased() == "true")
    }
}
