/// A failure answered with an Agave error envelope (`{"status":"error","message":…}`) and this HTTP status.
struct AgaveError: Error {
    let status: Int
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    static func notFound(_ message: String = "File/folder does not exist") -> AgaveError { AgaveError(404, message) }
    static func badRequest(_ message: String) -> AgaveError { AgaveError(400, message) }
}
