import EmulatorSupport
import Foundation
import Hummingbird

/// `GET`/`HEAD /files/v2/media/system/{id}/{path}` (docs/protocols/agave.md §4.3): raw bytes streamed from disk in
/// fixed-size chunks (`FileRangeStream`), with a single `Range` honoured under Agave's 416 rules.
struct MediaDownload {
    let state: EmulatorState

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
        guard let served = HTTPRange.served(request.headers[.range], length: stat.size) else {
            var response = Replies.error(AgaveError(416, "Requested range not satisfiable"), options: options,
                                         version: state.configuration.apiVersion)
            response.headers[.contentRange] = "bytes */\(stat.size)"
            return response
        }
        let (first, count, status) = (served.first, served.count, served.status)
        headers[.contentRange] = served.contentRange
        headers[.contentLength] = String(count)
        if isHead { return Response(status: Replies.status(status), headers: headers, body: ResponseBody()) }

        return Response(status: Replies.status(status), headers: headers,
                        body: FileRangeStream.body(file: path.fileSystemPath, from: first, count: count))
    }

    /// `inline; filename="…"` with an ASCII fallback plus RFC 5987 `filename*` for other names.
    static func contentDisposition(name: String, attachment: Bool) -> String {
        let ascii = String(name.unicodeScalars.map { scalar -> Character in
            (scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\") ? Character(scalar) : "_"
        })
        return "\(attachment ? "attachment" : "inline"); filename=\"\(ascii)\"; filename*=UTF-8''\(FormEncoding.encodePathSegment(name))"
    }
}
