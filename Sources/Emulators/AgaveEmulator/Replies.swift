import EmulatorSupport
import Foundation
import Hummingbird

/// Per-request presentation options from the query string (docs/protocols/agave.md §1).
struct ReplyOptions: Sendable {
    /// `naked=true`: send only the payload, and 204 with no body for an empty one.
    var naked = false
    /// `pretty=true`: indent the JSON.
    var pretty = false

    init(query: [String: String]) {
        naked = query["naked"]?.lowercased() == "true"
        pretty = query["pretty"]?.lowercased() == "true"
    }
}

/// Builders for every kind of reply the emulator sends, so envelopes and content types are written in one place.
enum Replies {
    static let jsonContentType = "application/json; charset=UTF-8"

    static func status(_ code: Int) -> HTTPResponse.Status {
        let phrases: [Int: String] = [
            200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
            400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large", 416: "Range Not Satisfiable",
            500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout",
        ]
        let code = (100...999).contains(code) ? code : 500
        return HTTPResponse.Status(code: code, reasonPhrase: phrases[code] ?? "Status \(code)")
    }

    static func json(_ value: JSONValue, status code: Int, pretty: Bool = false) -> Response {
        text(value.serialized(pretty: pretty), status: code, contentType: jsonContentType)
    }

    static func text(_ body: String, status code: Int, contentType: String) -> Response {
        Response(status: status(code), headers: [.contentType: contentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// A success envelope, or the bare payload with `naked=true`.
    static func success(_ result: JSONValue?, message: String? = nil, status code: Int = 200,
                        options: ReplyOptions, version: String) -> Response {
        if options.naked {
            switch result {
            case nil, .some(.null), .some(.array([])):
                return Response(status: status(204))
            case .some(let payload):
                return json(payload, status: code, pretty: options.pretty)
            }
        }
        var members: [(String, JSONValue)] = [("status", "success"), ("message", message.map(JSONValue.string) ?? .null),
                                              ("version", .string(version))]
        if let result { members.append(("result", result)) }
        return json(.object(members), status: code, pretty: options.pretty)
    }

    /// An error envelope (`result` null), used for every Agave-level failure.
    static func error(_ error: AgaveError, options: ReplyOptions, version: String) -> Response {
        json(.object([("status", "error"), ("message", .string(error.message)), ("version", .string(version)),
                      ("result", .null)]), status: error.status, pretty: options.pretty)
    }

    /// The API gateway's (WSO2 APIM) JSON fault for a missing, invalid or expired bearer token. Not enveloped.
    static func gatewayFault(code: Int, message: String, description: String) -> Response {
        json(.object([("fault", .object([("code", .int(Int64(code))), ("message", .string(message)),
                                         ("description", .string(description))]))]), status: 401)
    }
}
