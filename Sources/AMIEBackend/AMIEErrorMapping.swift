import SciencefsCore
import SciencefsHTTP

/// Turns AMIE client failures into `FSError`: the one place that knows what the API's statuses mean.
enum AMIEErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        if let fs = error as? FSError { return fs }
        guard let amie = error as? AMIEClientError else { return .io("AMIE \(operation) \(target): \(error)") }
        switch amie {
        case .server(let status, let message):
            switch status {
            case 404: return .notFound
            case 401, 403: return .permissionDenied
            case 409: return .exists
            case 400, 422: return .invalidArgument("AMIE \(operation) \(target): \(message ?? "bad request")")
            default: return .io("AMIE \(operation) \(target): \(amie)")
            }
        case .invalidPacket(let why):
            return .invalidArgument(why.description)
        case .malformed:
            return .io("AMIE \(operation) \(target): \(amie)")
        case .transport(let http):
            return http.isTimeout ? .timedOut : .io("AMIE \(operation) \(target): \(http)")
        }
    }
}
