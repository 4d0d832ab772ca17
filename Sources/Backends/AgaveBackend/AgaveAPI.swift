import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Authenticated Agave calls: adds the bearer token, renews it and repeats the call once when the gateway
/// rejects it, and decodes enveloped JSON replies into typed values. Errors leave here as `HTTPError`
/// (for the caller's operation-specific mapping) or `FSError` (auth and malformed replies).
final class AgaveAPI: Sendable {
    let endpoints: AgaveEndpoints
    private let http: HTTPClient
    private let token: RenewingToken
    private let logger: Logger

    init(configuration: AgaveConfiguration, http: HTTPClient, logger: Logger) {
        self.endpoints = AgaveEndpoints(baseURL: configuration.baseURL)
        self.http = http
        let grants = AgaveTokenManager(configuration: configuration, http: http, logger: logger)
        self.token = RenewingToken(initial: grants.initialToken, margin: configuration.tokenRefreshMargin) { reason in
            try grants.renew(reason: reason)
        }
        self.logger = logger
    }

    /// Runs `call` with a token; on a gateway 401 renews the token and runs it once more, unless the call cannot be
    /// repeated (`repeatable` false: a streamed body, already consumed), when the rejection is the call's error.
    func authorized<R>(repeatable: Bool = true, _ call: (String) throws -> R) throws -> R {
        try token.authorized(repeatable: repeatable, isRejection: AgaveErrorMapping.isTokenRejection, call)
    }

    func send(_ method: HTTPMethod, _ url: String, body: RequestBody = .none,
              retryAfterBodySent: Bool = false) throws -> HTTPResponse {
        try authorized(repeatable: body.isReplayable) { token in
            try http.send(HTTPRequest(method: method, url: url, body: body, bearerToken: token,
                                      retryAfterBodySent: retryAfterBodySent))
        }
    }

    /// Sends and decodes the envelope's `result`. A missing result is an error only when `T` is needed.
    func result<T: Decodable>(_ type: T.Type, _ method: HTTPMethod = .get, _ url: String, body: RequestBody = .none,
                              retryAfterBodySent: Bool = false) throws -> T {
        let response = try send(method, url, body: body, retryAfterBodySent: retryAfterBodySent)
        return try decodeResult(type, from: response.body, url: url)
    }

    func download(_ url: String, range: ByteRange?, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPStreamResponse {
        try authorized { token in
            try http.download(HTTPRequest(method: .get, url: url, bearerToken: token), range: range, sink: sink)
        }
    }

    func decodeResult<T: Decodable>(_ type: T.Type, from body: Data, url: String) throws -> T {
        let envelope: AgaveEnvelope<T>
        do {
            envelope = try JSONDecoder().decode(AgaveEnvelope<T>.self, from: body)
        } catch {
            throw malformed(url: url, why: ServiceErrors.describe(error))
        }
        guard let result = envelope.result else {
            throw malformed(url: url, why: "no result (status \(envelope.status): \(envelope.message ?? ""))")
        }
        return result
    }

    private func malformed(url: String, why: String) -> FSError {
        // Logged once, with the operation, where the error leaves the backend.
        .io("malformed JSON from \(URLRedaction.redact(url)): \(why)")
    }
}
