/// A Tapis-level failure: answered with its HTTP status and Tapis's error envelope (docs/protocols/tapis.md §2).
struct TapisError: Error {
    let status: Int
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    static func notFound(_ message: String) -> TapisError { TapisError(404, message) }
    static func badRequest(_ message: String) -> TapisError { TapisError(400, message) }
    static func forbidden(_ message: String) -> TapisError { TapisError(403, message) }
}
