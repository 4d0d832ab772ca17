import Foundation

/// An error reply as `views_functions.HttpError` builds it: a JSON body with `"error"` plus echoed input fields,
/// HTTP 404 by default or 403, and the error text as the reason phrase.
struct JDMAError: Error {
    var status: Int
    var message: String
    /// Input fields echoed next to `"error"` (as the server does with its `data` dict).
    var echo: [(String, JSONValue)]

    init(_ status: Int, _ message: String, echo: [(String, JSONValue)] = []) {
        self.status = status
        self.message = message
        self.echo = echo
    }

    /// 404, the server's default error status.
    init(_ message: String, echo: [(String, JSONValue)] = []) {
        self.init(404, message, echo: echo)
    }

    static func forbidden(_ message: String, echo: [(String, JSONValue)] = []) -> JDMAError {
        JDMAError(403, message, echo: echo)
    }
}
