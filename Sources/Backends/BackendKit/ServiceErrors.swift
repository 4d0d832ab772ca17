import Foundation
import SciencefsCore
import SciencefsHTTP

/// What an HTTP status means to a filesystem, once for every service. Each service's mapping passes only its
/// overrides (FTS3's 419, JDMA's meanings carried in the error text) and the message its error bodies carry; the
/// rest is this table, so the same status gives the same errno whichever service sent it.
///
/// | status | FSError | errno |
/// | --- | --- | --- |
/// | 400, 422 | invalidArgument | EINVAL |
/// | 401, 403 | permissionDenied | EACCES |
/// | 404, 410 | notFound | ENOENT |
/// | 409 | exists | EEXIST |
/// | 413 | fileTooLarge | EFBIG |
/// | 501 | unsupported | EOPNOTSUPP |
/// | 507 | noSpace | ENOSPC |
/// | a transport timeout | timedOut | ETIMEDOUT |
/// | anything else, a malformed reply | io | EIO |
///
/// An EIO from a 502, 503 or 504 (a gateway or the service saying it is down) or from a failed connection (see
/// `isUnreachable`) is marked `FailureCause.unreachable`: the Core then serves what it has cached (`SourceHealth`).
/// A 500 is not: the service answered, about that request.
public enum ServiceErrors {
    /// The common meaning of `status`; `context` ("Rucio list /scope") and `message` (from the body) explain an
    /// EINVAL or EIO.
    public static func fsError(status: Int, context: String, message: String?) -> FSError {
        let why = message.map { ": \($0)" } ?? ""
        switch status {
        case 400, 422: return .invalidArgument("\(context): \(message ?? "HTTP \(status)")")
        case 401, 403: return .permissionDenied
        case 404, 410: return .notFound
        case 409: return .exists
        case 413: return .fileTooLarge
        case 501: return .unsupported
        case 507: return .noSpace
        case 502, 503, 504: return .io(FailureCause.unreachable(chain: [context, "HTTP \(status)\(why)"]))
        default: return .io(FailureCause(chain: [context, "HTTP \(status)\(why)"]))
        }
    }

    /// libcurl failures that mean no exchange with the service took place or finished: the proxy's or the host's
    /// name did not resolve (5, 6), the connection was refused or failed (7), nothing came back (52) or the
    /// connection broke while sending or receiving (55, 56). A timeout (28) is `.timedOut`, which the Core counts
    /// too. TLS failures are not here: they are configuration, not an outage.
    public static func isUnreachable(_ error: HTTPError) -> Bool {
        guard case .transport(let code, _) = error else { return false }
        return [5, 6, 7, 52, 55, 56].contains(code)
    }

    /// Any error a service's client threw, as an FSError. `message` reads a service's error body; `override`
    /// answers the statuses whose meaning is the service's own (nil: the common table decides).
    public static func fsError(_ error: Error, context: String, message: (Data) -> String? = { _ in nil },
                               override: (Int, String?) -> FSError? = { _, _ in nil }) -> FSError {
        // An FSError thrown inside the operation (a reply the service's own code found malformed) gains the
        // operation as its context, so the log line says which service and object it came from.
        if let fs = error as? FSError { return fs.adding(context: context) }
        if error is DecodingError { return .io(FailureCause(chain: [context, "malformed reply: \(describe(error))"])) }
        guard let http = error as? HTTPError else { return .io(FailureCause(chain: [context, "\(error)"])) }
        switch http {
        case .status(let code, let body):
            let text = message(body)
            return override(code, text) ?? fsError(status: code, context: context, message: text)
        case .transport:
            if http.isTimeout { return .timedOut }
            return .io(isUnreachable(http) ? FailureCause.unreachable(chain: [context, "\(http)"])
                                           : FailureCause(chain: [context, "\(http)"]))
        case .invalidRequest(let why):
            return .io(FailureCause(chain: [context, why]))
        }
    }

    /// A decoding failure on one line: what was wrong, and where in the reply.
    public static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context)?: return "not valid JSON (\(context.debugDescription))"
        case .keyNotFound(let key, let context)?:
            return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "unexpected value at \(path(context.codingPath)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
