import EmulatorSupport
import Foundation
import Hummingbird

/// Builders for every reply the emulator sends, so the envelope (docs/protocols/tapis.md §2) is written once.
enum TapisReplies {
    /// Exactly this, without a charset: tapipy only parses a reply as JSON when the content type equals
    /// `application/json` (docs/protocols/tapis.md §2).
    static let jsonContentType = "application/json"

    static func status(_ code: Int) -> HTTPResponse.Status {
        let phrases: [Int: String] = [
            200: "OK", 201: "Created", 206: "Partial Content", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
            416: "Range Not Satisfiable", 500: "Internal Server Error", 501: "Not Implemented",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
        ]
        let code = (100...999).contains(code) ? code : 500
        return HTTPResponse.Status(code: code, reasonPhrase: phrases[code] ?? "Status \(code)")
    }

    static func json(_ value: JSONValue, status code: Int) -> Response {
        Response(status: status(code), headers: [.contentType: jsonContentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: value.serialized())))
    }

    /// The success envelope: `status`, `message`, `result`, `version`, `commit`, `build`, `metadata`.
    static func success(_ result: JSONValue, message: String, metadata: JSONValue = .object([]), status code: Int = 200,
                        version: String) -> Response {
        json(envelope(status: "success", message: message, result: result, metadata: metadata, version: version),
             status: code)
    }

    /// The error envelope, `result` null.
    static func error(_ error: TapisError, version: String) -> Response {
        json(envelope(status: "error", message: error.message, result: .null, metadata: .null, version: version),
             status: error.status)
    }

    private static func envelope(status: String, message: String, result: JSONValue, metadata: JSONValue,
                                 version: String) -> JSONValue {
        .object([("status", .string(status)), ("message", .string(message)), ("result", result),
                 ("version", .string(version)), ("commit", .string(commit)), ("build", .string(build)),
                 ("metadata", metadata)])
    }

    static let commit = "emulated"
    static let build = "sciencefs-emulator"

    /// ISO-8601 in UTC with a `Z`, as Tapis's Java services print an `Instant` (docs/protocols/tapis.md §2).
    static func instant(_ date: Date) -> String {
        WireTime.iso8601(date, zone: TimeZone(secondsFromGMT: 0) ?? .current).replacingOccurrences(of: "+00:00", with: "Z")
    }

    /// Paging parameters: `limit` (a missing or negative value takes `defaultLimit`) and `offset` or `skip`.
    static func paging(_ query: [String: String], defaultLimit: Int, offsetName: String) throws -> (limit: Int, offset: Int) {
        var limit = defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text) else { throw TapisError.badRequest("Invalid limit '\(text)'") }
            if value >= 0 { limit = value }
        }
        var offset = 0
        if let text = query[offsetName] {
            guard let value = Int(text), value >= 0 else { throw TapisError.badRequest("Invalid \(offsetName) '\(text)'") }
            offset = value
        }
        return (limit, offset)
    }

    /// One page of `items`.
    static func page<T>(_ items: [T], limit: Int, offset: Int) -> [T] {
        guard offset < items.count else { return [] }
        return Array(items[offset..<min(items.count, offset + limit)])
    }
}
