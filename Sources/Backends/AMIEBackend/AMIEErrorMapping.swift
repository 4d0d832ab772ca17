import BackendKit
import SciencefsCore
import SciencefsHTTP

/// Turns AMIE client failures into `FSError`; statuses go through the common table (`ServiceErrors`).
enum AMIEErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        if let fs = error as? FSError { return fs }
        guard let amie = error as? AMIEClientError else { return .io("AMIE \(operation) \(target): \(error)") }
        switch amie {
        case .server(let status, let message):
            return ServiceErrors.fsError(status: status, context: "AMIE \(operation) \(target)", message: message)
        case .invalidPacket(let why):
            return .invalidArgument(why.description)
        case .malformed:
            return .io("AMIE \(operation) \(target): \(amie)")
        case .transport(let http):
            return http.isTimeout ? .timedOut : .io("AMIE \(operation) \(target): \(http)")
        }
    }
}
