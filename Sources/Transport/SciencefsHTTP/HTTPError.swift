import Foundation

/// A failed HTTP exchange, typed so callers can map it to their own errors.
///
/// Messages name the method and the URL without its query string; they never contain request headers,
/// so the `Authorization` header and tokens cannot leak into logs through an error.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libcurl failed (connect, TLS, timeout, dropped connection...). `code` is the `CURLcode`.
    case transport(code: Int, message: String)
    /// The server answered with a non-2xx status. `body` is the start of the reply (capped).
    case status(code: Int, body: Data)
    /// The request could not be built (bad URL, unreadable upload file...).
    case invalidRequest(String)

    /// `CURLE_OPERATION_TIMEDOUT`: lets callers tell a timeout from other transport failures.
    public static let timeoutCode = 28

    public var isTimeout: Bool {
        if case .transport(let code, _) = self { return code == HTTPError.timeoutCode }
        return false
    }

    public var statusCode: Int? {
        if case .status(let code, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .transport(let code, let message):
            return "transport error (curl \(code)): \(message)"
        case .status(let code, let body):
            let snippet = HTTPError.snippet(of: body)
            return snippet.isEmpty ? "HTTP \(code)" : "HTTP \(code): \(snippet)"
        case .invalidRequest(let why):
            return "invalid request: \(why)"
        }
    }

    /// A short, single-line, printable excerpt of a reply body for messages.
    static func snippet(of body: Data, limit: Int = 300) -> String {
        let text = String(decoding: body.prefix(limit), as: UTF8.self)
        let oneLine = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        return body.count > limit ? oneLine + "…" : oneLine
    }
}
