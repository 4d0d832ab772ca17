import EmulatorSupport
import Foundation
import Hummingbird

/// Builders for the replies the API sends: JSON documents, the `{"status","message"}` error body of the
/// server's middleware, and plain text (certificate requests).
enum FTS3Replies {
    /// Werkzeug's reason phrases, as the Flask server puts them into `status` and `http_status` strings.
    static func phrase(_ code: Int) -> String {
        switch code {
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 203: return "Non Authoritative Information"
        case 204: return "No Content"
        case 207: return "Multi Status"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 413: return "Request Entity Too Large"
        case 419: return "Authentication Timeout"
        case 424: return "Failed Dependency"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Unknown Error"
        }
    }

    /// `"404 Not Found"`.
    static func statusLine(_ code: Int) -> String { "\(code) \(phrase(code))" }

    static func status(_ code: Int) -> HTTPResponse.Status {
        HTTPResponse.Status(code: (100...999).contains(code) ? code : 500, reasonPhrase: phrase(code))
    }

    static func json(_ value: JSONValue, status code: Int = 200) -> Response {
        text(value.serialized(), status: code, contentType: "application/json")
    }

    static func text(_ body: String, status code: Int = 200, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status(code), headers: [.contentType: contentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// A reply without a body (201 after a credential upload, 204 after a removal).
    static func empty(status code: Int) -> Response {
        Response(status: status(code), headers: code == 204 ? [:] : [.contentLength: "0"])
    }

    static func error(_ error: FTS3Error) -> Response {
        json(.object([("status", .string(statusLine(error.status))), ("message", .string(error.message))]),
             status: error.status)
    }
}

/// `HTTPField.Name`, reached through Hummingbird's re-exported `HTTPFields` so this target needs no extra
/// dependency.
typealias HeaderName = HTTPFields.Element.Name
