import Foundation
import SciencefsCore
import SciencefsHTTP

/// Turns HTTP failures into `FSError`, the one place that knows what Agave's statuses mean (protocol §5).
/// Operation-specific meanings (400 on mkdir, 501 on download) are handled by the caller first.
enum AgaveErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        if let fs = error as? FSError { return fs }
        guard let http = error as? HTTPError else {
            return .io("Agave \(operation) \(target): \(error)")
        }
        switch http {
        case .status(let code, let body):
            switch code {
            case 404: return .notFound
            case 401, 403: return .permissionDenied
            case 409: return .exists
            case 507: return .noSpace
            case 400: return .invalidArgument("Agave \(operation) \(target): \(message(body) ?? "bad request")")
            case 501: return .unsupported
            default: return .io("Agave \(operation) \(target): HTTP \(code)" + (message(body).map { ": \($0)" } ?? ""))
            }
        case .transport:
            return http.isTimeout ? .timedOut : .io("Agave \(operation) \(target): \(http)")
        case .invalidRequest(let why):
            return .io("Agave \(operation) \(target): \(why)")
        }
    }

    /// The human `message` of an Agave error envelope, if the body is one.
    static func message(_ body: Data) -> String? {
        guard let envelope = try? JSONDecoder().decode(AgaveStatusEnvelope.self, from: body) else { return nil }
        return envelope.message
    }

    /// Gateway auth faults (expired/invalid token) are not enveloped (XML or `{"fault":…}`, protocol §2.2);
    /// an enveloped 401 is Agave saying "no permission on this path", which a new token will not fix.
    static func isTokenRejection(_ error: Error) -> Bool {
        guard case .status(401, let body)? = error as? HTTPError else { return false }
        return (try? JSONDecoder().decode(AgaveStatusEnvelope.self, from: body)) == nil
    }
}
