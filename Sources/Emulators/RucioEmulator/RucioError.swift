/// A failure the API reports the way the Rucio server does: an HTTP status plus the exception class and message
/// that go into the JSON body and the `ExceptionClass`/`ExceptionMessage` headers.
struct RucioError: Error, Sendable, Equatable {
    let status: Int
    let exceptionClass: String
    let message: String

    init(_ status: Int, _ exceptionClass: String, _ message: String) {
        self.status = status
        self.exceptionClass = exceptionClass
        self.message = message
    }

    static func didNotFound(_ scope: String, _ name: String) -> RucioError {
        RucioError(404, "DataIdentifierNotFound", "Data identifier '\(scope):\(name)' not found")
    }

    static func scopeNotFound(_ scope: String) -> RucioError {
        RucioError(404, "ScopeNotFound", "Scope '\(scope)' does not exist.")
    }

    static func rseNotFound(_ rse: String) -> RucioError {
        RucioError(404, "RSENotFound", "RSE '\(rse)' cannot be found in vo 'def'")
    }

    static func badRequest(_ message: String) -> RucioError {
        RucioError(400, "ValueError", message)
    }

    static let cannotAuthenticate = RucioError(401, "CannotAuthenticate", "Cannot authenticate with given credentials")
}
