import BackendKit
import Foundation
import SciencefsCore

/// Turns failures into `FSError` through the common table (`ServiceErrors`), with the `message` of Tapis's error
/// envelope (docs/protocols/tapis.md §2, §8). Operation-specific meanings are handled by the caller first.
enum TapisErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        ServiceErrors.fsError(error, context: "Tapis \(operation) \(target)", message: message)
    }

    static func message(_ body: Data) -> String? {
        (try? JSONDecoder().decode(TapisStatusEnvelope.self, from: body))?.message
    }
}
