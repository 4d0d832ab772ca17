import Foundation
import BackendKit
import SciencefsCore
import SciencefsHTTP

/// Turns failures into `FSError` through the common table (`ServiceErrors`), with FTS3's 419 as its one override
/// (docs/protocols/fts3.md §3.5).
/// 419 ("delegate first") is handled by the submit path before it gets here.
enum FTS3ErrorMapping {
    static func fsError(_ error: Error, operation: String) -> FSError {
        ServiceErrors.fsError(error, context: "FTS3 \(operation)", message: message(in:)) { code, _ in
            // A delegation the server still refuses after we delegated.
            code == 419 ? .permissionDenied : nil
        }
    }

    /// The meaning of one status, whether it came as the HTTP status or as an item's `http_status` in a 207.
    static func fsError(status: Int, message: String?, operation: String) -> FSError {
        status == 419 ? .permissionDenied : ServiceErrors.fsError(status: status, context: "FTS3 \(operation)", message: message)
    }

    private struct ErrorBody: Decodable {
        var message: String?
        var status: String?
    }

    /// The `message` of an FTS3 error body (`{"status":"400 Bad Request","message":"…"}`); for a body that is
    /// not that JSON, its first line (so a proxy's HTML error still says something).
    static func message(in body: Data) -> String? {
        if let parsed = try? JSONDecoder().decode(ErrorBody.self, from: body) {
            if let message = parsed.message, !message.isEmpty { return message }
            if let status = parsed.status, !status.isEmpty { return status }
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        return text.split(whereSeparator: \.isNewline).first.map(String.init)
    }

    /// The numeric part of an `http_status` such as `"404 Not Found"`.
    static func statusCode(_ httpStatus: String?) -> Int? {
        guard let httpStatus else { return nil }
        return Int(httpStatus.prefix { $0.isNumber })
    }
}
