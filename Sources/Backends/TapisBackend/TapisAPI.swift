import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Authenticated Tapis calls: `X-Tapis-Token` on every request (docs/protocols/tapis.md §3.3), the token renewed before
/// it expires and once more after a 401 (`RenewingToken`), enveloped JSON decoded into typed values. Errors leave as
/// `HTTPError` (for the caller's operation-specific mapping) or `FSError` (auth and malformed replies).
final class TapisAPI: Sendable {
    static let tokenHeader = "X-Tapis-Token"

    let endpoints: TapisEndpoints
    private let http: HTTPClient
    private let token: RenewingToken

    init(configuration: TapisConfiguration, http: HTTPClient, logger: Logger) {
        let endpoints = TapisEndpoints(baseURL: configuration.baseURL)
        self.endpoints = endpoints
        self.http = http
        let initial = configuration.accessToken.map {
            RenewingToken.Issued(token: $0, expiry: configuration.tokenExpiry ?? TapisJWT.expiry(of: $0))
        }
        let grant = TapisTokenGrants(configuration: configuration, url: endpoints.tokens, http: http, logger: logger)
        self.token = RenewingToken(initial: initial, margin: configuration.tokenRefreshMargin) { reason in
            try grant.newToken(reason: reason)
        }
    }

    /// Every 401 is a token rejection: Tapis answers one for a missing, expired or invalid JWT, and a missing
    /// permission is 403 (docs/protocols/tapis.md §3.3, §8).
    static func isTokenRejection(_ error: Error) -> Bool {
        if case .status(401, _)? = error as? HTTPError { return true }
        return false
    }

    private func request(_ method: HTTPMethod, _ url: String, body: RequestBody = .none, token: String,
                         retryAfterBodySent: Bool = false) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.set(Self.tokenHeader, token)
        return HTTPRequest(method: method, url: url, headers: headers, body: body, retryAfterBodySent: retryAfterBodySent)
    }

    func send(_ method: HTTPMethod, _ url: String, body: RequestBody = .none,
              retryAfterBodySent: Bool = false) throws -> HTTPResponse {
        try token.authorized(repeatable: body.isReplayable, isRejection: Self.isTokenRejection) { token in
            try http.send(request(method, url, body: body, token: token, retryAfterBodySent: retryAfterBodySent))
        }
    }

    /// Sends and decodes the envelope's `result`.
    func result<T: Decodable>(_ type: T.Type, _ method: HTTPMethod = .get, _ url: String, body: RequestBody = .none,
                              retryAfterBodySent: Bool = false) throws -> T {
        let response = try send(method, url, body: body, retryAfterBodySent: retryAfterBodySent)
        return try Self.decodeResult(type, from: response.body, url: url)
    }

    /// A GET streamed to `sink`; `rangeForm` says how `range` is asked for (`.tapis` for files content, §5.2).
    func download(_ url: String, range: ByteRange?, rangeForm: RangeForm = .http,
                  sink: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPStreamResponse {
        try token.authorized(isRejection: Self.isTokenRejection) { token in
            var request = request(.get, url, token: token)
            request.rangeForm = rangeForm
            return try http.download(request, range: range, sink: sink)
        }
    }

    static func decodeResult<T: Decodable>(_ type: T.Type, from body: Data, url: String) throws -> T {
        let envelope: TapisEnvelope<T>
        do {
            envelope = try JSONDecoder().decode(TapisEnvelope<T>.self, from: body)
        } catch {
            throw FSError.io("malformed JSON from \(URLRedaction.redact(url)): \(ServiceErrors.describe(error))")
        }
        guard let result = envelope.result else {
            throw FSError.io("malformed JSON from \(URLRedaction.redact(url)): no result (\(envelope.message ?? "no message"))")
        }
        return result
    }
}
