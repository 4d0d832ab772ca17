import EmulatorSupport
import Foundation
import Hummingbird

/// `/storage/{systemId}/{path}`: the systems as a third-party copy service (FTS3) reaches them — the WebDAV door
/// of a real system's storage host, which the Tapis Files API sits in front of. `GET`/`HEAD` (one `Range`),
/// `PUT` (parents created, written aside and renamed into place), `DELETE`, `MKCOL`.
///
/// Like the Agave emulator's door it checks no credential — it listens on 127.0.0.1 only. Its traffic is in the
/// request log under `/storage/`, so tests can tell bytes a transfer service moved from bytes the mount moved.
struct TapisStorageDoor {
    static let prefix = "storage"
    let state: TapisState

    func respond(_ request: Request, rawSegments: ArraySlice<Substring>) async throws -> Response {
        guard let rawSystem = rawSegments.first else { throw TapisError.notFound("No system in the storage URL") }
        let path = try state.path(rawSystemId: rawSystem, rawSegments: rawSegments.dropFirst())
        let stat = FileStat(path: path.fileSystemPath)
        switch request.method {
        case .get, .head:
            guard let stat, !stat.isDirectory else { throw TapisError.notFound("No file at \(path.relative)") }
            var headers: HTTPFields = [.acceptRanges: "bytes", .contentType: MimeType.guess(forName: path.name),
                                       .lastModified: WireTime.httpDate(stat.modified)]
            guard let served = HTTPRange.served(request.headers[.range], length: stat.size, endPastEOF: .clamp) else {
                return Response(status: TapisReplies.status(416), headers: [.contentRange: "bytes */\(stat.size)"])
            }
            headers[.contentRange] = served.contentRange
            headers[.contentLength] = String(served.count)
            let status = TapisReplies.status(served.status)
            if request.method == .head { return Response(status: status, headers: headers) }
            return Response(status: status, headers: headers,
                            body: FileRangeStream.body(file: path.fileSystemPath, from: served.first, count: served.count))
        case .put:
            guard !path.isRoot else { throw TapisError(409, "Cannot write the system root") }
            if stat?.isDirectory == true { throw TapisError(409, "A directory is in the way") }
            try FileManager.default.createDirectory(atPath: path.parent.fileSystemPath, withIntermediateDirectories: true)
            let incoming = state.incomingDirectory.appendingPathComponent(UUID().uuidString)
            defer { try? FileManager.default.removeItem(at: incoming) }
            guard FileManager.default.createFile(atPath: incoming.path, contents: nil),
                  let handle = try? FileHandle(forWritingTo: incoming) else { throw TapisError(500, "Cannot store") }
            do {
                defer { try? handle.close() }
                for try await buffer in request.body { try handle.write(contentsOf: Data(buffer.readableBytesView)) }
            }
            guard rename(incoming.path, path.fileSystemPath) == 0 else { throw TapisError(500, "Cannot store: errno \(errno)") }
            return Response(status: .created)
        case .delete:
            guard stat != nil, !path.isRoot else { throw TapisError.notFound("No file at \(path.relative)") }
            try FileManager.default.removeItem(atPath: path.fileSystemPath)
            return Response(status: .noContent)
        case HTTPRequest.Method(rawValue: "MKCOL")!:
            if stat != nil { throw TapisError(405, "Already exists") }
            try FileManager.default.createDirectory(atPath: path.fileSystemPath, withIntermediateDirectories: false)
            return Response(status: .created)
        default:
            throw TapisError(405, "\(request.method.rawValue) is not supported by the storage door")
        }
    }
}
