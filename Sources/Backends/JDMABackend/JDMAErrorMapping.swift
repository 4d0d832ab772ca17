import Foundation
import BackendKit
import SciencefsCore
import SciencefsHTTP

/// Turns failures into `FSError`: JDMA's own meanings, then the common table (`ServiceErrors`) (docs/protocols/jdma.md §3). JDMA uses
/// 404 for "missing/invalid/not found" and 403 for "permission, duplicate, quota, wrong stage", with the reason
/// only in the `error` text, so the text decides where the status alone cannot.
enum JDMAErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        let context = "JDMA \(operation) \(target)"
        return ServiceErrors.fsError(error, context: context, message: JDMAErrorBody.message(in:)) { code, message in
            let text = message ?? ""
            let lower = text.lowercased()
            // A quota refusal is a 403 (docs/protocols/jdma.md §3); a 404 that mentions a quota is a workspace
            // without one for that storage (§4), a configuration problem: EINVAL below.
            if code == 403, lower.contains("quota") { return .quotaExceeded }
            if lower.contains("diskspace") || lower.contains("disk space") { return .noSpace }
            switch code {
            case 404 where lower.contains("not found") || lower.contains("does not exist") || text.isEmpty:
                return .notFound
            case 404: return .invalidArgument("\(context): \(text)")
            case 403 where lower.contains("permission") || lower.contains("do not own"):
                return .permissionDenied
            // JDMA's other 403s (duplicate, wrong stage) carry their meaning only in the text.
            case 403: return .io("\(context): HTTP 403: \(text)")
            default: return nil
            }
        }
    }

    /// The server's `error` text of an HTTP failure, for log lines.
    static func serverMessage(_ error: Error) -> String? {
        guard case .status(_, let body)? = error as? HTTPError else { return nil }
        return JDMAErrorBody.message(in: body)
    }
}
