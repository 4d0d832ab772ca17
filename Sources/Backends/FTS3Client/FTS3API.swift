import Foundation
import Logging
import SciencefsHTTP

/// Plain FTS3 REST calls: every request carries `Accept: application/json` (and the bearer token in OAuth2
/// mode); the TLS identity is the client's. Errors leave as `HTTPError` / `DecodingError` for the caller's
/// mapping, so the submit path can still see a 419.
final class FTS3API: Sendable {
    let endpoints: FTS3Endpoints
    private let http: HTTPClient
    private let bearerToken: String?

    init(configuration: FTS3Configuration, identity: FTS3Identity, environment: FTS3Identity.Environment, logger: Logger) {
        endpoints = FTS3Endpoints(endpoint: configuration.endpoint)
        http = HTTPClient(configuration: Self.httpConfiguration(configuration, identity: identity, environment: environment),
                          logger: logger)
        if case .bearer(let token) = identity { bearerToken = token } else { bearerToken = nil }
    }

    /// The HTTP client's settings: the certificate (or proxy) on the TLS connection for X.509 users, none for
    /// token users; the CA bundle and directory the real client would trust.
    static func httpConfiguration(_ configuration: FTS3Configuration, identity: FTS3Identity,
                                  environment: FTS3Identity.Environment) -> HTTPClientConfiguration {
        var tls = TLSOptions(verifyPeer: configuration.verifyPeer, caBundlePath: configuration.caBundle)
        tls.caDirectory = FTS3Configuration.effectiveCADirectory(configured: configuration.caDirectory,
                                                                 environment: environment.variables,
                                                                 directoryExists: environment.fileExists)
        if case .x509(let cert, let key) = identity {
            tls.clientCertificatePath = cert
            tls.clientKeyPath = key == cert ? nil : key
        }
        return HTTPClientConfiguration(connectTimeout: configuration.connectTimeout,
                                       requestTimeout: configuration.requestTimeout, retry: configuration.retry,
                                       tls: tls, userAgent: configuration.userAgent)
    }

    func send(_ method: HTTPMethod, _ url: String, body: RequestBody = .none) throws -> HTTPResponse {
        try http.send(request(method, url, body: body))
    }

    /// The request as sent: the client's `Accept`, the token in its own field (kept out of logs by the HTTP layer).
    func request(_ method: HTTPMethod, _ url: String, body: RequestBody = .none) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add("Accept", "application/json")
        return HTTPRequest(method: method, url: url, headers: headers, body: body, bearerToken: bearerToken)
    }

    func get<T: Decodable>(_ type: T.Type, _ url: String) throws -> T {
        try JSONDecoder().decode(T.self, from: send(.get, url).body)
    }
}
