import Foundation
import BackendKit
import SciencefsCore
import SciencefsHTTP

/// Turns failures into `FSError` through the common table (`ServiceErrors`), with the `ExceptionClass:
/// ExceptionMessage` of Rucio's error bodies (docs/protocols/rucio.md §4).
/// Operation-specific meanings (a 409 that is harmless, a storage 404 that means "try another replica") are
/// handled by the caller first.
enum RucioErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        let context = "Rucio \(operation) \(target)"
        if let stream = error as? JSONStreamError { return .io("\(context): malformed stream: \(stream)") }
        return ServiceErrors.fsError(error, context: context, message: exception)
    }

    private struct ExceptionBody: Decodable {
        var ExceptionClass: String?
        var ExceptionMessage: String?
    }

    /// `ExceptionClass: ExceptionMessage` from a Rucio error body, if it is one.
    static func exception(_ body: Data) -> String? {
        guard let parsed = try? JSONDecoder().decode(ExceptionBody.self, from: body), let cls = parsed.ExceptionClass else {
            return nil
        }
        return parsed.ExceptionMessage.map { "\(cls): \($0)" } ?? cls
    }

    static func exceptionClass(_ error: Error) -> String? {
        guard case .status(_, let body)? = error as? HTTPError else { return nil }
        return (try? JSONDecoder().decode(ExceptionBody.self, from: body))?.ExceptionClass
    }

    /// A one-line decoding failure (the common describer).
    static func describe(_ error: Error) -> String { ServiceErrors.describe(error) }
}
