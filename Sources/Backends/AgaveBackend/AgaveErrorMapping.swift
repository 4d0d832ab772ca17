import Foundation
import BackendKit
import SciencefsCore
import SciencefsHTTP

/// Turns HTTP failures into `FSError` through the common table (`ServiceErrors`), with the message of Agave's error
/// envelope (docs/protocols/agave.md §5). Operation-specific meanings (400 on mkdir, 501 on download) are handled by the caller first.
enum AgaveErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        ServiceErrors.fsError(error, context: "Agave \(operation) \(target)", message: message)
    }

    /// The human `message` of an Agave error envelope, if the body is one.
    static func message(_ body: Data) -> String? {
        guard let envelope = try? JSONDecoder().decode(AgaveStatusEnvelope.self, from: body) else { return nil }
        return envelope.message
    }

    /// Gateway auth faults (expired/invalid token) are not enveloped (XML or `{"fault":…}`, docs/protocols/agave.md §2.2);
    /// an enveloped 401 is Agave saying "no permission on this path", which a new token will not fix.
    static func isTokenRejection(_ error: Error) -> Bool {
        guard case .status(401, let body)? = error as? HTTPError else { return false }
        return (try? JSONDecoder().decode(AgaveStatusEnvelope.self, from: body)) == nil
    }
}
