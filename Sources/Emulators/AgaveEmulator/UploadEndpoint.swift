import EmulatorSupport
import Foundation
import Hummingbird
#if canImport(Glibc)
import Glibc
#endif

/// `POST /files/v2/media/system/{id}/{dir}` (docs/protocols/agave.md §4.4, §4.5): a multipart upload (`fileToUpload`,
/// optional `fileName`) or an import from `urlToIngest`.
///
/// Both are staged asynchronously, as Agave does: the reply (202, `STAGING_QUEUED`) comes first; `StagingQueue`
/// (`queueUpload`, `queueImport`) puts the bytes in place afterwards and records the progress in the file's history.
struct UploadEndpoint {
    let state: EmulatorState

    func respond(_ directory: SystemPath, request: Request, owner: String, options: ReplyOptions) async throws -> Response {
        guard let stat = FileStat(path: directory.fileSystemPath) else { throw AgaveError.notFound() }
        guard stat.isDirectory else { throw AgaveError.badRequest("Destination \(directory.agavePath) is not a directory") }

        let contentType = request.headers[.contentType] ?? ""
        var fields: [String: String] = [:]
        var upload: StagedUpload?
        defer { upload?.discard() }
        if let boundary = MultipartParser.boundary(fromContentType: contentType) {
            upload = try await receiveMultipart(request.body, boundary: boundary, fields: &fields)
        } else if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            let body = try await request.body.collect(upTo: 1 << 20)
            fields = FormEncoding.decodeForm(String(buffer: body))
        } else {
            throw AgaveError.badRequest("Uploads must be multipart/form-data or application/x-www-form-urlencoded")
        }

        let requestedName = fields["fileName"].flatMap { $0.isEmpty ? nil : $0 }
        if let staged = upload {
            let name = try Self.leafName(requestedName ?? staged.clientFilename ?? "upload.dat")
            let target = directory.appending([name])
            let existing = FileStat(path: target.fileSystemPath)
            if existing?.isDirectory == true {
                throw AgaveError.badRequest("A directory named \(target.name) already exists at \(target.parent.agavePath)")
            }
            // Staged later, as the real service does: the reply says only that the upload is queued (§4.4).
            state.uploads.queueUpload(cached: staged.path, to: target.fileSystemPath,
                                agaveTarget: "agave://\(target.systemId)\(target.agavePath)")
            upload = nil // the staging queue owns the bytes now
            let result = state.objects.logicalFile(target, owner: owner, source: "http://127.0.0.1/\(FormEncoding.encodePathSegment(staged.clientFilename ?? name))",
                                                   status: "STAGING_QUEUED", stat: existing)
            state.logger.info("upload queued for staging", metadata: ["system": "\(target.systemId)", "path": "\(target.agavePath)"])
            return Replies.success(result, status: 202, options: options, version: state.configuration.apiVersion)
        }
        if let url = fields["urlToIngest"], !url.isEmpty {
            return try importURL(url, into: directory, name: requestedName, owner: owner, options: options)
        }
        throw AgaveError.badRequest("No file or URL to import was provided")
    }

    /// Streams the body through the multipart parser; the `fileToUpload` part goes to a file in the incoming
    /// directory, text parts (bounded) into `fields`.
    private func receiveMultipart(_ body: RequestBody, boundary: String, fields: inout [String: String]) async throws -> StagedUpload? {
        var parser = MultipartParser(boundary: boundary)
        var upload: StagedUpload?
        var currentField: (name: String, bytes: [UInt8])?
        var inFilePart = false
        do {
            for try await buffer in body {
                for event in try parser.feed(buffer.readableBytesView) {
                    switch event {
                    case .partBegin(let headers):
                        if headers.name == "fileToUpload" {
                            if upload != nil { throw AgaveError.badRequest("Only one fileToUpload part is allowed") }
                            upload = try StagedUpload(directory: state.incomingDirectory, clientFilename: headers.filename)
                            inFilePart = true
                        } else if let name = headers.name {
                            currentField = (name, [])
                        }
                    case .partData(let bytes):
                        if inFilePart {
                            try upload?.append(bytes)
                        } else if currentField != nil {
                            currentField?.bytes.append(contentsOf: bytes)
                            if (currentField?.bytes.count ?? 0) > 64 * 1024 { throw AgaveError.badRequest("Form field too large") }
                        }
                    case .partEnd:
                        if let field = currentField { fields[field.name] = String(decoding: field.bytes, as: UTF8.self) }
                        currentField = nil
                        inFilePart = false
                    }
                }
            }
            try parser.finish()
            try upload?.finishWriting()
            return upload
        } catch let error as MultipartParser.ParseError {
            upload?.discard()
            throw AgaveError.badRequest("Malformed multipart body: \(error)")
        } catch {
            upload?.discard()
            throw error
        }
    }

    /// `urlToIngest`: `agave://system/path` is copied on the server; other schemes are not emulated (501).
    private func importURL(_ url: String, into directory: SystemPath, name: String?, owner: String,
                           options: ReplyOptions) throws -> Response {
        let lower = url.lowercased()
        guard lower.hasPrefix("agave://") else {
            let scheme = url.split(separator: ":").first.map(String.init) ?? url
            throw AgaveError(501, "Import from \(scheme) URLs is not supported by the emulator")
        }
        let rest = url.dropFirst("agave://".count)
        let systemEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let sourceSystem = String(rest[..<systemEnd])
        let rawPath = rest[systemEnd...]
        let decodedPath = FormEncoding.percentDecode(rawPath, plusIsSpace: false) ?? String(rawPath)
        let source = try state.systemPath(systemId: sourceSystem, segments: SystemPath.validatedSegments(decodedPath))
        guard FileStat(path: source.fileSystemPath) != nil else {
            throw AgaveError.notFound("Source \(url) does not exist")
        }
        let target = directory.appending([try Self.leafName(name ?? source.name)])
        if target.fileSystemPath.hasPrefix(source.fileSystemPath + "/") {
            throw AgaveError.badRequest("Cannot import a folder into itself")
        }
        let existing = FileStat(path: target.fileSystemPath)
        // Staged later, as the real service does: the reply says only that the import is queued.
        let temporary = state.incomingDirectory.appendingPathComponent("import-" + UUID().uuidString).path
        state.imports.queueImport(from: source.fileSystemPath, to: target.fileSystemPath, temporary: temporary)
        let result = state.objects.logicalFile(target, owner: owner, source: url, status: "STAGING_QUEUED",
                                               stat: existing)
        return Replies.success(result, status: 202, options: options, version: state.configuration.apiVersion)
    }

    /// A stored name must be one path segment.
    static func leafName(_ name: String) throws -> String {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\u{0}") else {
            throw AgaveError.badRequest("Invalid file name '\(name)'")
        }
        return name
    }
}

/// The `fileToUpload` part being written to `<state>/.incoming/<uuid>`, where it waits to be staged into place.
struct StagedUpload {
    let path: String
    let clientFilename: String?
    private let fd: Int32
    private var closed = false

    init(directory: URL, clientFilename: String?) throws {
        path = directory.appendingPathComponent(UUID().uuidString).path
        self.clientFilename = clientFilename
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AgaveError(500, "Cannot create upload file: errno \(errno)") }
    }

    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try FileCopier.writeAll(fd: fd, $0) }
    }

    mutating func finishWriting() throws {
        guard !closed else { return }
        closed = true
        guard close(fd) == 0 else { throw AgaveError(500, "Cannot close upload file: errno \(errno)") }
    }

    /// Removes the received bytes (after a failure; once queued for staging they are no longer ours to remove).
    mutating func discard() {
        if !closed { close(fd); closed = true }
        unlink(path)
    }
}
