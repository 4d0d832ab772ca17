import EmulatorSupport
import Foundation
import Hummingbird
#if canImport(Glibc)
import Glibc
#endif

/// `GET`/`HEAD /files/v2/media/system/{id}/{path}` (docs/protocols/agave.md §4.3): raw bytes streamed from disk in
/// fixed-size chunks, with a single `Range` honoured under Agave's 416 rules.
struct MediaDownload {
    let state: EmulatorState
    static let chunkSize = 256 * 1024

    func respond(_ path: SystemPath, request: Request, query: [String: String], options: ReplyOptions) throws -> Response {
        guard let stat = FileStat(path: path.fileSystemPath) else { throw AgaveError.notFound() }
        if stat.isDirectory { throw AgaveError(501, "Directory downloads not supported") }

        var headers: HTTPFields = [
            .acceptRanges: "bytes",
            .lastModified: WireTime.httpDate(stat.modified),
            .contentType: MimeType.guess(forName: path.name),
            .contentDisposition: Self.contentDisposition(name: path.name, attachment: query["force"]?.lowercased() == "true"),
        ]
        let isHead = request.method == .head
        let first: UInt64, count: UInt64, status: Int
        switch HTTPRange.parse(request.headers[.range], length: stat.size) {
        case .whole:
            (first, count, status) = (0, stat.size, 200)
        case .partial(let range):
            (first, count, status) = (range.lowerBound, range.upperBound - range.lowerBound + 1, 206)
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(stat.size)"
        case .unsatisfiable:
            var response = Replies.error(AgaveError(416, "Requested range not satisfiable"), options: options,
                                         version: state.configuration.apiVersion)
            response.headers[.contentRange] = "bytes */\(stat.size)"
            return response
        }
        headers[.contentLength] = String(count)
        if isHead { return Response(status: Replies.status(status), headers: headers, body: ResponseBody()) }

        let file = path.fileSystemPath
        let body = ResponseBody(contentLength: Int(count)) { writer in
            try await Self.stream(file: file, from: first, count: count, to: &writer)
            try await writer.finish(nil)
        }
        return Response(status: Replies.status(status), headers: headers, body: body)
    }

    /// Reads `count` bytes from `offset` with `pread` and writes them chunk by chunk; never holds more than one
    /// chunk in memory. Throws (closing the connection) if the file shrank underneath.
    static func stream(file: String, from offset: UInt64, count: UInt64, to writer: inout any ResponseBodyWriter) async throws {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AgaveError(500, "Cannot open \(file): errno \(errno)") }
        defer { close(fd) }
        var position = offset
        var remaining = count
        let allocator = ByteBufferAllocator()
        while remaining > 0 {
            let want = Int(min(remaining, UInt64(chunkSize)))
            var buffer = allocator.buffer(capacity: want)
            let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                max(0, pread(fd, raw.baseAddress, want, off_t(position)))
            }
            guard got > 0 else { throw AgaveError(500, "File changed during download") }
            try await writer.write(buffer)
            position += UInt64(got)
            remaining -= UInt64(got)
        }
    }

    /// `inline; filename="…"` with an ASCII fallback plus RFC 5987 `filename*` for other names.
    static func contentDisposition(name: String, attachment: Bool) -> String {
        let ascii = String(name.unicodeScalars.map { scalar -> Character in
            (scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\") ? Character(scalar) : "_"
        })
        return "\(attachment ? "attachment" : "inline"); filename=\"\(ascii)\"; filename*=UTF-8''\(FormEncoding.encodePathSegment(name))"
    }
}
