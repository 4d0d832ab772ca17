import EmulatorSupport
import Foundation
import Hummingbird

/// `POST /v3/files/ops/{systemId}/{path}` (docs/protocols/tapis.md §5.3): a multipart body whose `file` part
/// becomes the file at `path` (parent folders are created). The part streams to `<state>/.incoming` and is
/// renamed into place only once the whole body has arrived, so a broken upload leaves the old file untouched.
struct UploadReceiver {
    let state: TapisState

    func receive(_ request: Request, into target: SystemPath) async throws -> Response {
        try state.requireModify(target)
        guard !target.isRoot else { throw TapisError.badRequest("FILES_INSERT_ROOT A file path is required") }
        if FileStat(path: target.fileSystemPath)?.isDirectory == true {
            throw TapisError.badRequest("FILES_INSERT_DIR A directory is in the way: \(target.relative)")
        }
        guard let boundary = MultipartParser.boundary(fromContentType: request.headers[.contentType] ?? "") else {
            throw TapisError.badRequest("Uploads must be multipart/form-data with a part named file")
        }
        let incoming = state.incomingDirectory.appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: incoming) }
        guard FileManager.default.createFile(atPath: incoming.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: incoming) else {
            throw TapisError(500, "Cannot create the upload file")
        }
        var parser = MultipartParser(boundary: boundary)
        var inFilePart = false
        var sawFile = false
        do {
            defer { try? handle.close() }
            for try await buffer in request.body {
                for event in try parser.feed(buffer.readableBytesView) {
                    switch event {
                    case .partBegin(let headers):
                        inFilePart = headers.name == "file"
                        if inFilePart {
                            if sawFile { throw TapisError.badRequest("Only one file part is allowed") }
                            sawFile = true
                        }
                    case .partData(let bytes):
                        if inFilePart { try handle.write(contentsOf: bytes) }
                    case .partEnd:
                        inFilePart = false
                    }
                }
            }
            try parser.finish()
        } catch let error as MultipartParser.ParseError {
            throw TapisError.badRequest("Malformed multipart body: \(error)")
        }
        guard sawFile else { throw TapisError.badRequest("file is a required part") }
        try FileManager.default.createDirectory(atPath: target.parent.fileSystemPath, withIntermediateDirectories: true)
        guard rename(incoming.path, target.fileSystemPath) == 0 else { throw TapisError(500, "Cannot store: errno \(errno)") }
        state.logger.info("uploaded", metadata: ["system": "\(target.systemId)", "path": "\(target.relative)"])
        return TapisReplies.success(.null, message: "FILES_INSERT_OK File uploaded: \(target.relative)",
                                    version: state.configuration.apiVersion)
    }
}
