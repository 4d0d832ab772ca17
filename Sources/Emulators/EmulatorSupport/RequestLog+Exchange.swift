import Hummingbird

extension RequestLog {
    /// Records one answered request under `path` (its decoded form) and wraps the response body, so the entry's
    /// `bytesSent` ends as what really went out once `shaping` (an injected fault) has had its way with the body.
    package func record(_ request: Request, path: String, response: inout Response, shaping: BodyShaping) {
        let planned = request.method == .head ? 0 : (response.body.contentLength ?? 0)
        let sequence = record(method: request.method.rawValue, path: path, query: request.uri.query,
                              range: request.headers[.range], status: response.status.code,
                              bytesSent: shaping.bytesSent(of: planned),
                              requestBodyChunked: (request.headers[.transferEncoding] ?? "").lowercased().contains("chunked"))
        guard request.method != .head else { return }
        response.body = ObservedBody.wrap(response.body, shaping: shaping) { [self] sent in
            updateBytesSent(sequence: sequence, bytesSent: sent)
        }
    }
}
