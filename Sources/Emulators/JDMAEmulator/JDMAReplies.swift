import EmulatorSupport
import Foundation
import Hummingbird

/// Builders for the server's replies: JSON with status 200, errors as `{"error": …, <echoed input>}` with the
/// error text as the reason phrase, and Django's APPEND_SLASH redirect.
enum JDMAReplies {
    static func json(_ value: JSONValue, status code: Int = 200, reason: String? = nil) -> Response {
        let phrase = reason ?? (code == 200 ? "OK" : "ERROR")
        return Response(status: HTTPResponse.Status(code: code, reasonPhrase: reasonPhrase(phrase)),
                        headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: value.serialized())))
    }

    static func error(_ error: JDMAError) -> Response {
        json(.object([("error", .string(error.message))] + error.echo), status: error.status, reason: error.message)
    }

    /// Django's 500 page (text) for an unhandled exception.
    static func serverError(_ text: String) -> Response {
        Response(status: HTTPResponse.Status(code: 500, reasonPhrase: "Internal Server Error"),
                 headers: [.contentType: "text/html; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: "<h1>Server Error (500)</h1>\n<p>\(text)</p>")))
    }

    /// `301` to the same URL with a trailing slash, as `APPEND_SLASH` does for `migration?…`, `file?…`, ….
    static func appendSlash(path: String, query: String?) -> Response {
        let location = path + "/" + (query.map { "?" + $0 } ?? "")
        return Response(status: HTTPResponse.Status(code: 301, reasonPhrase: "Moved Permanently"),
                        headers: [.location: location, .contentType: "text/html; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: "")))
    }

    /// Reason phrases may not contain control characters; long messages are cut.
    private static func reasonPhrase(_ text: String) -> String {
        let clean = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f && $0.isASCII }.map(Character.init))
        return clean.count > 200 ? String(clean.prefix(200)) : clean
    }
}
