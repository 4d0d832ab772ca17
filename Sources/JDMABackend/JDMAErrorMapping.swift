import Foundation
import SciencefsCore
import SciencefsHTTP

/// Turns failures into `FSError`: the one place that knows what JDMA's statuses mean (protocol §3). JDMA uses
/// 404 for "missing/invalid/not found" and 403 for "permission, duplicate, quota, wrong stage", with the reason
/// only in the `error` text, so the text decides where the status alone cannot.
enum JDMAErrorMapping {
    static func fsError(_ error: Error, operation: String, target: String) -> FSError {
        if let fs = error as? FSError { return fs }
        if error is DecodingError { return .io("JDMA \(operation) \(target): malformed JSON: \(error)") }
        guard let http = error as? HTTPError else { return .io("JDMA \(operation) \(target): \(error)") }
        switch http {
        case .status(let code, let body):
            let message = JDMAErrorBody.message(in: body) ?? ""
            let lower = message.lowercased()
            if lower.contains("quota") { return .quotaExceeded }
            if lower.contains("diskspace") || lower.contains("disk space") { return .noSpace }
            switch code {
            case 404 where lower.contains("not found") || lower.contains("does not exist") || message.isEmpty:
                return .notFound
            case 403 where lower.contains("permission") || lower.contains("do not own"):
                return .permissionDenied
            case 404:
                return .invalidArgument("JDMA \(operation) \(target): \(message)")
            default:
                return .io("JDMA \(operation) \(target): HTTP \(code)\(message.isEmpty ? "" : ": " + message)")
            }
        case .transport:
            return http.isTimeout ? .timedOut : .io("JDMA \(operation) \(target): \(http)")
        case .invalidRequest(let why):
            return .io("JDMA \(operation) \(target): \(why)")
        }
    }

    /// The server's `error` text of an HTTP failure, for log lines.
    static func serverMessage(_ error: Error) -> String? {
        guard case .status(_, let body)? = error as? HTTPError else { return nil }
        return JDMAErrorBody.message(in: body)
    }
}
