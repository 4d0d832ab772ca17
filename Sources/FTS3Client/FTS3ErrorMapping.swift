import Foundation
import SciencefsCore
import SciencefsHTTP

/// Turns failures into `FSError`: the one place that knows what FTS3's statuses mean (fts3.md §3.5).
/// 419 ("delegate first") is handled by the submit path before it gets here.
enum FTS3ErrorMapping {
    static func fsError(_ error: Error, operation: String) -> FSError {
        if let fs = error as? FSError { return fs }
        if error is DecodingError { return .io("FTS3 \(operation): malformed reply: \(describe(error))") }
        guard let http = error as? HTTPError else { return .io("FTS3 \(operation): \(error)") }
        switch http {
        case .status(let code, let body):
            return fsError(status: code, message: message(in: body), operation: operation)
        case .transport:
            // A server that stops answering is a timeout to the caller, as for every other source.
            if http.isTimeout { return .timedOut }
            return .io("FTS3 \(operation): \(http)")
        case .invalidRequest(let why):
            return .io("FTS3 \(operation): \(why)")
        }
    }

    /// The meaning of one status, whether it came as the HTTP status or as an item's `http_status` in a 207.
    static func fsError(status: Int, message: String?, operation: String) -> FSError {
        let why = message.map { ": \($0)" } ?? ""
        switch status {
        case 401, 403: return .permissionDenied
        case 404: return .notFound
        case 400, 409: return .invalidArgument("FTS3 \(operation): \(message ?? "HTTP \(status)")")
        case 419: return .permissionDenied // a delegation the server still refuses after we delegated
        default: return .io("FTS3 \(operation): HTTP \(status)\(why)")
        }
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

    /// A one-line decoding failure.
    static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context)?: return "not valid JSON (\(context.debugDescription))"
        case .keyNotFound(let key, let context)?:
            return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "unexpected value at \(path(context.codingPath)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
