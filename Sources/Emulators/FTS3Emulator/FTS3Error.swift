import Foundation

/// An error answer in FTS3's dialect: the HTTP status and the message of the `{"status","message"}` body
/// (docs/protocols/fts3.md §3.5).
struct FTS3Error: Error, Sendable, CustomStringConvertible {
    let status: Int
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { "\(FTS3Replies.statusLine(status)): \(message)" }

    static func badRequest(_ message: String) -> FTS3Error { FTS3Error(400, message) }
    static func forbidden(_ message: String) -> FTS3Error { FTS3Error(403, message) }
    static func notFound(_ message: String) -> FTS3Error { FTS3Error(404, message) }
    static func jobNotFound(_ id: String) -> FTS3Error { FTS3Error(404, "No job with the id \"\(id)\" has been found") }
    /// 419: the server's `HTTPAuthenticationTimeout`, which the client turns into `NeedDelegation`.
    static func needDelegation(_ message: String) -> FTS3Error { FTS3Error(419, message) }
}
