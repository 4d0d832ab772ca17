import EmulatorSupport
import Foundation
import Hummingbird

/// `GET /v3/files/content/{systemId}/{path}` (docs/protocols/tapis.md §5.2): a file's bytes, streamed from disk.
///
/// Two forms of the `Range` header are honoured. Tapis's own is `range: min,max` (byte offsets, both included),
/// which Tapis answers 200 with only those bytes. The HTTP form `bytes=a-b` (RFC 9110) is answered 206 with a
/// `Content-Range`, and 416 when it starts past the end.
enum ContentDownload {
    static func respond(_ path: SystemPath, request: Request, version: String) throws -> Response {
        guard let stat = FileStat(path: path.fileSystemPath) else {
            throw TapisError.notFound("FILES_NOT_FOUND Path not found: \(path.relative)")
        }
        if stat.isDirectory {
            throw TapisError.badRequest("FILES_CONT_DIR_NOZIP \(path.relative) is a directory; use zip=true")
        }
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .contentDisposition: "attachment; filename=\(path.name)",
            .cacheControl: "max-age=3600",
        ]
        let first: UInt64, count: UInt64, status: Int
        let header = request.headers[.range]?.trimmingCharacters(in: .whitespaces)
        if let header, let native = tapisRange(header) {
            guard native.min < stat.size else { throw TapisError.badRequest("FILES_RANGE1 Range starts past the end") }
            let last = min(native.max, stat.size - 1)
            (first, count, status) = (native.min, last - native.min + 1, 200)
            headers[.contentType] = "text/plain"
        } else if let served = HTTPRange.served(header, length: stat.size, endPastEOF: .clamp) {
            (first, count, status) = (served.first, served.count, served.status)
            headers[.contentRange] = served.contentRange
        } else {
            var response = TapisReplies.error(TapisError(416, "Requested range not satisfiable"), version: version)
            response.headers[.contentRange] = "bytes */\(stat.size)"
            return response
        }
        headers[.contentLength] = String(count)
        return Response(status: TapisReplies.status(status), headers: headers,
                        body: FileRangeStream.body(file: path.fileSystemPath, from: first, count: count))
    }

    /// `min,max` (Tapis's `HeaderByteRange`), or nil when the header has another form.
    static func tapisRange(_ header: String) -> (min: UInt64, max: UInt64)? {
        let value = header.lowercased().hasPrefix("range=") ? String(header.dropFirst("range=".count)) : header
        let parts = value.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let low = UInt64(parts[0].trimmingCharacters(in: .whitespaces)),
              let high = UInt64(parts[1].trimmingCharacters(in: .whitespaces)), low <= high else { return nil }
        return (low, high)
    }
}
