import EmulatorSupport
import Foundation
import Hummingbird

/// Builders for every kind of reply the API sends, matching the Flask server's content types and status lines.
enum RucioReplies {
    static let jsonContentType = "application/json"
    static let streamContentType = "application/x-json-stream"

    static func status(_ code: Int) -> HTTPResponse.Status {
        let phrases: [Int: String] = [
            200: "OK", 201: "CREATED", 204: "NO CONTENT", 206: "PARTIAL CONTENT", 207: "MULTI-STATUS",
            400: "BAD REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT FOUND", 405: "METHOD NOT ALLOWED",
            406: "NOT ACCEPTABLE", 409: "CONFLICT", 412: "PRECONDITION FAILED", 416: "REQUESTED RANGE NOT SATISFIABLE",
            500: "INTERNAL SERVER ERROR", 502: "BAD GATEWAY", 503: "SERVICE UNAVAILABLE", 504: "GATEWAY TIMEOUT",
        ]
        let code = (100...999).contains(code) ? code : 500
        return HTTPResponse.Status(code: code, reasonPhrase: phrases[code] ?? "STATUS \(code)")
    }

    static func json(_ value: JSONValue, status code: Int = 200) -> Response {
        text(value.serialized(), status: code, contentType: jsonContentType)
    }

    static func text(_ body: String, status code: Int, contentType: String = "text/html; charset=utf-8",
                     headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        return Response(status: status(code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// `201 Created` with the literal body `Created`, as Flask views return `'Created', 201`.
    static var created: Response { text("Created", status: 201) }

    /// `200` with an empty body (simple updates).
    static var ok: Response { text("", status: 200) }

    /// An `application/x-json-stream` reply: one serialized value per line. The body is written in chunks without
    /// a `Content-Length` (chunked transfer, as Flask streams it), so clients must read it as a stream.
    static func stream(_ values: [JSONValue]) -> Response {
        let lines = values
        let body = ResponseBody { writer in
            var chunk = ""
            for value in lines {
                chunk += value.serialized()
                chunk += "\n"
                if chunk.utf8.count >= 64 * 1024 {
                    try await writer.write(ByteBuffer(string: chunk))
                    chunk = ""
                }
            }
            if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
            try await writer.finish(nil)
        }
        return Response(status: status(200), headers: [.contentType: streamContentType], body: body)
    }

    /// The server's error reply: JSON body `{"ExceptionClass","ExceptionMessage"}` with content type
    /// `application/octet-stream`, and the same two values in headers (message without newlines, cut at 125
    /// characters plus `...`).
    static func error(_ error: RucioError) -> Response {
        let body = JSONValue.object([("ExceptionClass", .string(error.exceptionClass)),
                                     ("ExceptionMessage", .string(error.message))])
        var headerMessage = error.message.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        if headerMessage.count > 125 { headerMessage = String(headerMessage.prefix(125)) + "..." }
        var headers: HTTPFields = [.contentType: "application/octet-stream"]
        if let classField = HeaderName("ExceptionClass"), let messageField = HeaderName("ExceptionMessage") {
            headers[classField] = error.exceptionClass
            // Header values must be visible ASCII; anything else would make the whole reply invalid.
            headers[messageField] = String(headerMessage.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "?" })
        }
        return Response(status: status(error.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body.serialized())))
    }
}

/// `HTTPField.Name` (HTTPTypes), reached through Hummingbird's re-exported `HTTPFields` so this target needs no
/// extra dependency.
typealias HeaderName = HTTPFields.Element.Name
