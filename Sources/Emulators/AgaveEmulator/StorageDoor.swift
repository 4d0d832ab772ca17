import EmulatorSupport
import Foundation
import Hummingbird

/// `/storage/{systemId}/{path}`: the storage systems as a third-party copy service (FTS3) reaches them — the
/// WebDAV door of a real system's storage host, which Agave's API sits in front of. `GET`/`HEAD` (one `Range`),
/// `PUT` (parents created, written aside and renamed into place), `DELETE`, `MKCOL`.
///
/// Real doors check the delegated X.509 proxy or a storage token; this one, like the Rucio emulator's RSE storage,
/// checks nothing — it listens on 127.0.0.1 only. Its traffic is in the request log under `/storage/`, so tests
/// can tell bytes a transfer service moved from bytes the mount moved.
struct StorageDoor {
    static let prefix = "storage"
    let state: EmulatorState

    func respond(_ request: Request, rawSegments: ArraySlice<Substring>, options: ReplyOptions) async throws -> Response {
        guard let rawSystem = rawSegments.first else { throw AgaveError(404, "No system in the storage URL") }
        guard state.registry.system(id: FormEncoding.percentDecode(rawSystem, plusIsSpace: false) ?? "") != nil else {
            throw AgaveError(404, "No storage system \(rawSystem)")
        }
        let path = try state.systemPath(rawSystemId: rawSystem, rawSegments: rawSegments.dropFirst())
        switch request.method {
        case .get, .head:
            return try MediaDownload(state: state).respond(path, request: request, query: [:], options: options)
        case .put:
            return try await put(path, body: request.body)
        case .delete:
            guard let stat = FileStat(path: path.fileSystemPath), !path.isRoot else { throw AgaveError.notFound() }
            if stat.isDirectory {
                try FileManager.default.removeItem(atPath: path.fileSystemPath)
            } else if unlink(path.fileSystemPath) != 0 {
                throw AgaveError(500, "Cannot delete: errno \(errno)")
            }
            return Response(status: .noContent)
        case HTTPRequest.Method(rawValue: "MKCOL")!:
            if FileStat(path: path.fileSystemPath) != nil { throw AgaveError(405, "Already exists") }
            try FileManager.default.createDirectory(atPath: path.fileSystemPath, withIntermediateDirectories: false)
            return Response(status: .created)
        default:
            throw AgaveError(405, "\(request.method.rawValue) is not supported by the storage door")
        }
    }

    private func put(_ path: SystemPath, body: RequestBody) async throws -> Response {
        guard !path.isRoot else { throw AgaveError(409, "Cannot write the system root") }
        if let stat = FileStat(path: path.fileSystemPath), stat.isDirectory { throw AgaveError(409, "A directory is in the way") }
        try FileManager.default.createDirectory(atPath: path.parent.fileSystemPath, withIntermediateDirectories: true)
        var staged = try StagedUpload(directory: state.incomingDirectory, clientFilename: path.name)
        do {
            for try await buffer in body { try staged.append(Array(buffer.readableBytesView)) }
            try staged.finishWriting()
            guard rename(staged.path, path.fileSystemPath) == 0 else { throw AgaveError(500, "Cannot store: errno \(errno)") }
        } catch {
            staged.discard()
            throw error
        }
        return Response(status: .created)
    }
}
