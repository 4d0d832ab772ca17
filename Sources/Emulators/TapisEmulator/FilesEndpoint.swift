import EmulatorSupport
import Foundation
import Hummingbird

/// `/v3/files/…` (docs/protocols/tapis.md §5, §6): listings, content, uploads, mkdir, delete, move/copy,
/// permissions and transfer tasks.
struct FilesEndpoint {
    let state: TapisState

    func respond(_ request: Request, rawSegments: ArraySlice<Substring>, query: [String: String],
                 user: String) async throws -> Response {
        guard let kind = rawSegments.first else { throw TapisError.notFound("Unknown endpoint") }
        let rest = rawSegments.dropFirst()
        if kind == "transfers" {
            return try await TransfersEndpoint(state: state).respond(request, rawSegments: rest, query: query, user: user)
        }
        guard let rawSystem = rest.first else { throw TapisError.badRequest("No system id in the path") }
        let path = try state.path(rawSystemId: rawSystem, rawSegments: rest.dropFirst())
        let operations = FileOperations(state: state)
        switch (kind, request.method) {
        case ("ops", .get):
            return try operations.list(path, query: query)
        case ("ops", .post) where rest.count == 1:
            return try await operations.mkdir(on: path.systemId, body: request.body)
        case ("ops", .post):
            return try await UploadReceiver(state: state).receive(request, into: path)
        case ("ops", .delete):
            return try operations.delete(path)
        case ("ops", .put):
            return try await operations.moveOrCopy(path, body: request.body)
        case ("content", .get):
            return try ContentDownload.respond(path, request: request, version: state.configuration.apiVersion)
        case ("permissions", .get):
            return try operations.permission(path, user: query["username"] ?? user)
        default:
            throw TapisError(405, "\(request.method.rawValue) is not supported on /v3/files/\(kind)")
        }
    }
}

/// The `/v3/files/ops` and `/v3/files/permissions` operations on one system's files.
struct FileOperations {
    let state: TapisState
    private var version: String { state.configuration.apiVersion }

    func list(_ path: SystemPath, query: [String: String]) throws -> Response {
        let (limit, offset) = try TapisReplies.paging(query, defaultLimit: 1000, offsetName: "offset")
        let entries = try FileInfoObjects.listing(of: path.fileSystemPath, relativePath: path.relative,
                                                  urlPrefix: "tapis://\(path.systemId)/",
                                                  recurse: query["recurse"]?.lowercased() == "true",
                                                  pattern: query["pattern"].flatMap { $0.isEmpty ? nil : $0 })
        let page = TapisReplies.page(entries, limit: limit, offset: offset)
        return TapisReplies.success(.array(page), message: "FILES_LIST_OK Listing returned \(page.count) items",
                                    version: version)
    }

    func mkdir(on systemId: String, body: RequestBody) async throws -> Response {
        let request = try await Self.jsonObject(body)
        guard let text = request["path"] as? String, !text.isEmpty else { throw TapisError.badRequest("path is required") }
        let target = try state.path(systemId: systemId, segments: SystemPath.validatedSegments(text))
        try state.requireModify(target)
        if let stat = FileStat(path: target.fileSystemPath), !stat.isDirectory {
            throw TapisError.badRequest("FILES_MKDIR_EXISTS A file is in the way: \(target.relative)")
        }
        do {
            try FileManager.default.createDirectory(atPath: target.fileSystemPath, withIntermediateDirectories: true)
        } catch {
            throw TapisError.badRequest("FILES_MKDIR_ERROR Cannot create \(target.relative): a file is in the way")
        }
        return TapisReplies.success(.null, message: "FILES_MKDIR_OK Directory created: \(target.relative)", version: version)
    }

    func delete(_ path: SystemPath) throws -> Response {
        try state.requireModify(path)
        guard FileStat(path: path.fileSystemPath) != nil else {
            throw TapisError.notFound("FILES_NOT_FOUND Path not found: \(path.relative)")
        }
        guard !path.isRoot else { throw TapisError.badRequest("FILES_DELETE_ROOT The root directory cannot be deleted") }
        try FileManager.default.removeItem(atPath: path.fileSystemPath)
        return TapisReplies.success(.null, message: "FILES_DELETE_OK Deleted: \(path.relative)", version: version)
    }

    /// `{"operation":"MOVE"|"COPY","newPath":…}`: into `newPath` when it is an existing folder, else to it.
    func moveOrCopy(_ source: SystemPath, body: RequestBody) async throws -> Response {
        let request = try await Self.jsonObject(body)
        guard let operation = request["operation"] as? String, ["MOVE", "COPY"].contains(operation) else {
            throw TapisError.badRequest("operation must be MOVE or COPY")
        }
        guard let newPath = request["newPath"] as? String else { throw TapisError.badRequest("newPath is required") }
        try state.requireModify(source)
        guard FileStat(path: source.fileSystemPath) != nil else {
            throw TapisError.notFound("FILES_NOT_FOUND Path not found: \(source.relative)")
        }
        guard !source.isRoot else { throw TapisError.badRequest("The root directory cannot be moved or copied") }
        var target = try state.path(systemId: source.systemId, segments: SystemPath.validatedSegments(newPath))
        if FileStat(path: target.fileSystemPath)?.isDirectory == true { target = target.appending([source.name]) }
        if target == source { return done(operation, source, target) }
        if target.fileSystemPath.hasPrefix(source.fileSystemPath + "/") {
            throw TapisError.badRequest("Cannot \(operation.lowercased()) a folder into itself")
        }
        try FileTransfer.place(from: source.fileSystemPath, to: target.fileSystemPath, move: operation == "MOVE")
        return done(operation, source, target)
    }

    private func done(_ operation: String, _ source: SystemPath, _ target: SystemPath) -> Response {
        TapisReplies.success(.null, message: "FILES_\(operation)_OK \(source.relative) -> \(target.relative)", version: version)
    }

    func permission(_ path: SystemPath, user: String) throws -> Response {
        guard FileStat(path: path.fileSystemPath) != nil else {
            throw TapisError.notFound("FILES_NOT_FOUND Path not found: \(path.relative)")
        }
        let permission = state.system(id: path.systemId)?.permission ?? .read
        return TapisReplies.success(.object([
            ("tenantId", .string(state.configuration.tenantId)), ("username", .string(user)),
            ("systemId", .string(path.systemId)), ("path", .string(path.relative)),
            ("permission", .string(permission.rawValue)),
        ]), message: "FILES_PERM_OK", version: version)
    }

    static func jsonObject(_ body: RequestBody) async throws -> [String: Any] {
        let buffer = try await body.collect(upTo: 1 << 20)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] else {
            throw TapisError.badRequest("The request body must be a JSON object")
        }
        return object
    }
}

/// Server-side placement of a file or folder tree: what MOVE, COPY and transfer tasks do on the emulator's disk.
enum FileTransfer {
    /// Replaces whatever is at `target` (creating its parent folders) with `source`, moved or copied.
    static func place(from source: String, to target: String, move: Bool) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if FileStat(path: target) != nil { try manager.removeItem(atPath: target) }
        if move { try manager.moveItem(atPath: source, toPath: target) } else { try manager.copyItem(atPath: source, toPath: target) }
    }
}
