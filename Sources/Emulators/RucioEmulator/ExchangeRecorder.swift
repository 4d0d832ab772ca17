import EmulatorSupport
import Foundation
import Hummingbird
import Logging

/// What every listener of the emulator (API and storage) does around its own routing: apply an injected fault,
/// record the exchange in the shared request log (naming the listener), and count the body bytes actually sent.
struct ExchangeRecorder: Sendable {
    let requestLog: RequestLog
    let faults: FaultInjector
    let logger: Logger
    /// `"api"` or the RSE name, stored in each log entry.
    let listener: String

    /// The request path with each segment percent-decoded (a trailing `/` kept), as logged and fault-matched.
    static func decodedPath(_ rawPath: String) -> String {
        let rawSegments = rawPath.split(separator: "/", omittingEmptySubsequences: true)
        return "/" + rawSegments.map { FormEncoding.percentDecode($0, plusIsSpace: false) ?? String($0) }
            .joined(separator: "/") + (rawPath.hasSuffix("/") && !rawSegments.isEmpty ? "/" : "")
    }

    /// - Parameters:
    ///   - faultStatus: renders the `.status(N)` fault in the listener's dialect.
    ///   - malformed: renders the `.malformedJSON` fault (a 200 whose body is not what the client expects).
    ///   - expiredToken: what `.expiredToken` does on this listener (nil: the listener has no tokens).
    ///   - route: the normal handling.
    func serve(_ request: Request, faultStatus: @escaping (Int) -> Response, malformed: @escaping () -> Response,
               expiredToken: @escaping () async -> Response? = { nil },
               route: () async -> Response) async throws -> Response {
        let method = request.method.rawValue
        let loggedPath = Self.decodedPath(request.uri.path)
        let exchange = try await FaultedExchange.perform(
            faults.take(method: method, path: loggedPath, listener: listener), faults: faults,
            dialect: FaultedExchange.Dialect(status: faultStatus, malformedJSON: malformed, expiredToken: expiredToken),
            route: route)
        var response = exchange.response

        let planned = request.method == .head ? 0 : (response.body.contentLength ?? 0)
        let sequence = requestLog.record(method: method, path: loggedPath, query: request.uri.query,
                                         range: request.headers[.range], status: response.status.code,
                                         bytesSent: exchange.shaping.bytesSent(of: planned), listener: listener)
        logger.debug("\(method) \(loggedPath)", metadata: ["listener": "\(listener)", "status": "\(response.status.code)"])
        if request.method != .head {
            response.body = ObservedBody.wrap(response.body, shaping: exchange.shaping) { [log = requestLog] sent in
                log.updateBytesSent(sequence: sequence, bytesSent: sent)
            }
        }
        return response
    }
}
