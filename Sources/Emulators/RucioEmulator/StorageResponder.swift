import EmulatorSupport
import Foundation
import Hummingbird

/// The HTTP/WebDAV storage endpoint of one RSE, behaving like a plain nginx/WebDAV server: `GET`/`HEAD` with a
/// single `Range` (206, 416 past the end, an end past EOF clamped), `PUT` streamed to disk (parents created),
/// `MOVE` with `Destination` (and `Overwrite: F`), `DELETE`, `MKCOL`, and `PROPFIND` at depth 0 or 1. No
/// authentication. While the RSE is marked unavailable every request gets 503.
struct StorageResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let storage: RSEStorage
    let recorder: ExchangeRecorder

    func respond(to request: Request, context: Context) async throws -> Response {
        try await recorder.serve(request, faultStatus: { Self.plain($0, "Injected fault: HTTP \($0)") },
                                 malformed: { Self.plain(200, "this is not the file you asked for") },
                                 route: { await route(request, context: context) })
    }

    private func route(_ request: Request, context: Context) async -> Response {
        guard storage.isAvailable else { return Self.plain(503, "RSE \(storage.name) is unavailable") }
        guard let decoded = FormEncoding.percentDecode(request.uri.path, plusIsSpace: false),
              let file = storage.fileURL(decodedPath: decoded) else {
            return Self.plain(400, "Bad path")
        }
        do {
            switch request.method.rawValue {
            case "GET", "HEAD": return try get(file, request: request)
            case "PUT": return try await put(file, request: request)
            case "MOVE": return try move(file, request: request)
            case "DELETE": return try delete(file)
            case "MKCOL": return try mkcol(file)
            case "PROPFIND": return try propfind(file, href: request.uri.path, depth: request.headers[Self.depthField] ?? "1")
            case "OPTIONS":
                return Response(status: .ok, headers: [.allow: "GET, HEAD, PUT, DELETE, MOVE, MKCOL, PROPFIND, OPTIONS",
                                                       Self.davField: "1"])
            default: return Self.plain(405, "Method not allowed")
            }
        } catch {
            recorder.logger.warning("storage request failed", metadata: ["rse": "\(storage.name)", "error": "\(error)"])
            return Self.plain(500, "Internal error")
        }
    }

    private func get(_ file: URL, request: Request) throws -> Response {
        guard let size = Self.regularFileSize(file) else { return Self.plain(404, "Not Found") }
        var headers: HTTPFields = [.contentType: "application/octet-stream", .acceptRanges: "bytes",
                                   .lastModified: Self.httpDate(Self.modificationDate(file))]
        let range: ClosedRange<UInt64>
        var status: HTTPResponse.Status = .ok
        switch HTTPRange.parse(request.headers[.range], length: size, endPastEOF: .clamp) {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .partial(let r):
            range = r
            status = .partialContent
            headers[.contentRange] = "bytes \(r.lowerBound)-\(r.upperBound)/\(size)"
        case .whole:
            if size == 0 {
                headers[.contentLength] = "0"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer()))
            }
            range = 0...(size - 1)
        }
        let count = Int(range.upperBound - range.lowerBound + 1)
        headers[.contentLength] = String(count)
        if request.method == .head { return Response(status: status, headers: headers) }
        let path = file.path
        let body = ResponseBody(contentLength: count) { writer in
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: range.lowerBound)
            var remaining = count
            while remaining > 0 {
                guard let chunk = try handle.read(upToCount: min(remaining, 256 * 1024)), !chunk.isEmpty else { break }
                try await writer.write(ByteBuffer(bytes: chunk))
                remaining -= chunk.count
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Streams the body to a temporary file next to the target, then renames it into place, so a reader never
    /// sees a half-written file.
    private func put(_ file: URL, request: Request) async throws -> Response {
        if Self.isDirectory(file) { return Self.plain(409, "Is a collection") }
        let existed = FileManager.default.fileExists(atPath: file.path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".put-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            return Self.plain(500, "Cannot create file")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            for try await buffer in request.body {
                try handle.write(contentsOf: Data(buffer.readableBytesView))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        // rename(2) replaces an existing file atomically (FileManager.replaceItemAt needs an existing target).
        guard rename(temporary.path, file.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            return Self.plain(500, "Cannot store file")
        }
        return Self.plain(existed ? 204 : 201, existed ? "" : "Created")
    }

    private func move(_ source: URL, request: Request) throws -> Response {
        guard FileManager.default.fileExists(atPath: source.path) else { return Self.plain(404, "Not Found") }
        guard let destinationHeader = request.headers[Self.destinationField],
              let destinationPath = Self.path(ofDestination: destinationHeader),
              let decoded = FormEncoding.percentDecode(destinationPath, plusIsSpace: false),
              let destination = storage.fileURL(decodedPath: decoded) else {
            return Self.plain(400, "Bad Destination")
        }
        let exists = FileManager.default.fileExists(atPath: destination.path)
        if exists, request.headers[Self.overwriteField]?.uppercased() == "F" {
            return Self.plain(412, "Destination exists")
        }
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        if exists { try FileManager.default.removeItem(at: destination) }
        try FileManager.default.moveItem(at: source, to: destination)
        return Self.plain(exists ? 204 : 201, exists ? "" : "Created")
    }

    private func delete(_ file: URL) throws -> Response {
        guard file != storage.root, FileManager.default.fileExists(atPath: file.path) else { return Self.plain(404, "Not Found") }
        try FileManager.default.removeItem(at: file)
        return Response(status: .noContent)
    }

    private func mkcol(_ directory: URL) throws -> Response {
        if FileManager.default.fileExists(atPath: directory.path) { return Self.plain(405, "Exists") }
        guard Self.isDirectory(directory.deletingLastPathComponent()) else { return Self.plain(409, "Parent missing") }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        return Self.plain(201, "Created")
    }

    private func propfind(_ target: URL, href: String, depth: String) throws -> Response {
        guard FileManager.default.fileExists(atPath: target.path) else { return Self.plain(404, "Not Found") }
        var entries = [(href, target)]
        if depth != "0", Self.isDirectory(target) {
            let base = href.hasSuffix("/") ? href : href + "/"
            for child in try FileManager.default.contentsOfDirectory(atPath: target.path).sorted() where !child.hasPrefix(".put-") {
                entries.append((base + FormEncoding.encodePathSegment(child), target.appendingPathComponent(child)))
            }
        }
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">"
        for (entryHref, url) in entries {
            let directory = Self.isDirectory(url)
            xml += "<D:response><D:href>\(Self.xmlEscape(entryHref))</D:href><D:propstat><D:prop>"
            xml += directory ? "<D:resourcetype><D:collection/></D:resourcetype>"
                : "<D:resourcetype/><D:getcontentlength>\(Self.regularFileSize(url) ?? 0)</D:getcontentlength>"
            xml += "<D:getlastmodified>\(Self.httpDate(Self.modificationDate(url)))</D:getlastmodified>"
            xml += "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
        }
        xml += "</D:multistatus>\n"
        return Response(status: .init(code: 207, reasonPhrase: "Multi-Status"),
                        headers: [.contentType: "application/xml; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: xml)))
    }

    // MARK: Helpers

    // WebDAV header names (valid tokens, so the initialiser cannot fail).
    static let depthField = HeaderName("Depth") ?? .accept
    static let davField = HeaderName("DAV") ?? .allow
    static let destinationField = HeaderName("Destination") ?? .location
    static let overwriteField = HeaderName("Overwrite") ?? .ifMatch

    static func plain(_ code: Int, _ text: String) -> Response {
        RucioReplies.text(text, status: code, contentType: "text/plain; charset=utf-8")
    }

    /// `Destination` is an absolute URL (`http://host:port/path`) or, tolerated, a bare path; returns the
    /// still-encoded path.
    static func path(ofDestination header: String) -> String? {
        if header.hasPrefix("/") { return header }
        guard let schemeEnd = header.range(of: "://") else { return nil }
        let afterAuthority = header[schemeEnd.upperBound...]
        guard let slash = afterAuthority.firstIndex(of: "/") else { return "/" }
        return String(afterAuthority[slash...].prefix { $0 != "?" && $0 != "#" })
    }

    static func regularFileSize(_ url: URL) -> UInt64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return nil }
        return (attributes[.size] as? NSNumber)?.uint64Value
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func modificationDate(_ url: URL) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? Date()
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    static func xmlEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
