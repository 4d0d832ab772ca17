import EmulatorSupport
import Foundation
import Hummingbird

/// The parts of an API request the endpoints need, decoded once. The path is normalised first: the Python
/// client joins `endpoint + "/" + "/jobs"`, so every request arrives as `//jobs…` (docs/protocols/fts3.md §1).
struct APIRequest {
    let method: String
    /// Percent-decoded, non-empty path segments.
    let segments: [String]
    /// The normalised path (`/jobs/abc`), for logs.
    let path: String
    let query: [String: String]
    let headers: HTTPFields
    let body: Data

    init(_ request: Request, body: Data) throws {
        method = request.method.rawValue
        let rawSegments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        segments = try rawSegments.map { raw in
            guard let decoded = FormEncoding.percentDecode(raw, plusIsSpace: false) else {
                throw FTS3Error.badRequest("Invalid percent-encoding in the path")
            }
            return decoded
        }
        path = "/" + segments.joined(separator: "/")
        query = FormEncoding.decodeForm(request.uri.query ?? "")
        headers = request.headers
        self.body = body
    }

    /// `value` split at commas, empty items dropped (`state_in=A,B`, `files=a,b`).
    static func list(_ value: String) -> [String] {
        value.split(separator: ",", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
