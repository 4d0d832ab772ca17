import Foundation
import SciencefsCore
import SciencefsHTTP

/// Turns failures into `FSError`: the one place that knows what Rucio's statuses mean (protocol §4).
/// Operation-specific meanings (a 409 that is harmless, a storage 404 that means "try another replica") are
/// handled by the caller first.
enum RucioErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        if let fs = error as? FSError { return fs }
        if let stream = error as? JSONStreamError { return .io("Rucio \(operation) \(target): malformed stream: \(stream)") }
        if error is DecodingError { return .io("Rucio \(operation) \(target): malformed JSON: \(describe(error))") }
        guard let http = error as? HTTPError else { return .io("Rucio \(operation) \(target): \(error)") }
        switch http {
        case .status(let code, let body):
            let why = exception(body).map { ": \($0)" } ?? ""
            switch code {
            case 404: return .notFound
            case 401, 403: return .permissionDenied
            case 409: return .exists
            case 400: return .invalidArgument("Rucio \(operation) \(target): bad request\(why)")
            case 507: return .noSpace
            default: return .io("Rucio \(operation) \(target): HTTP \(code)\(why)")
            }
        case .transport:
            return http.isTimeout ? .timedOut : .io("Rucio \(operation) \(target): \(http)")
        case .invalidRequest(let why):
            return .io("Rucio \(operation) \(target): \(why)")
        }
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

    /// A one-line decoding failure.
    static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context)?: return "not valid JSON (\(context.debugDescription))"
        case .keyNotFound(let key, let context)?:
            return "missing \(key.stringValue) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "unexpected value at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
