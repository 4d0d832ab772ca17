import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Authenticated Rucio API calls: adds `X-Rucio-Auth-Token`, `X-Rucio-Account` and `X-Rucio-VO`, renews the
/// token and replays the call once on 401, decodes JSON into typed values and streams
/// `application/x-json-stream` replies line by line as they arrive. Errors leave as `HTTPError` (for the
/// caller's mapping), `JSONStreamError`/`DecodingError` (malformed replies) or `FSError` (auth).
final class RucioAPI: Sendable {
    let endpoints: RucioEndpoints
    let tokens: RucioTokenManager
    private let token: RenewingToken
    private let http: HTTPClient
    private let vo: String

    init(configuration: RucioConfiguration, http: HTTPClient, logger: Logger) {
        self.endpoints = RucioEndpoints(base: configuration.rucioHost)
        self.http = http
        self.vo = configuration.vo
        let tokens = RucioTokenManager(configuration: configuration, http: http, logger: logger)
        self.tokens = tokens
        self.token = RenewingToken(initial: tokens.initialToken, margin: configuration.tokenRefreshMargin) { reason in
            try tokens.renew(reason: reason)
        }
    }

    /// A token to send now (logging in first if there is none, or it is about to expire); the login also tells
    /// `tokens.account` when the configuration names no account.
    func currentToken() throws -> String {
        try token.current()
    }

    /// Runs `call` with a token; on 401 renews the token and runs it once more.
    func authorized<R>(_ call: (String) throws -> R) throws -> R {
        try token.authorized(isRejection: { if case HTTPError.status(code: 401, _) = $0 { true } else { false } }, call)
    }

    private func request(_ method: HTTPMethod, _ url: String, body: RequestBody, token: String) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add("X-Rucio-Auth-Token", token)
        if let account = tokens.account { headers.add("X-Rucio-Account", account) }
        headers.add("X-Rucio-VO", vo)
        return HTTPRequest(method: method, url: url, headers: headers, body: body)
    }

    func send(_ method: HTTPMethod, _ url: String, body: RequestBody = .none) throws -> HTTPResponse {
        try authorized { token in try http.send(request(method, url, body: body, token: token)) }
    }

    func send<Body: Encodable>(_ method: HTTPMethod, _ url: String, json: Body) throws -> HTTPResponse {
        try send(method, url, body: .json(json))
    }

    func decode<T: Decodable>(_ type: T.Type, _ url: String) throws -> T {
        let response = try send(.get, url)
        return try JSONDecoder().decode(T.self, from: response.body)
    }

    /// Streams an `application/x-json-stream` reply, calling `row` with each line decoded as `T` while the bytes
    /// arrive (only the unfinished line is buffered). On a 401 nothing has reached `row` yet (the status comes
    /// before the body), so the replay after renewal starts clean.
    func stream<T: Decodable>(_ type: T.Type, _ url: String, method: HTTPMethod = .get, body: RequestBody = .none,
                              row: (T) throws -> Void) throws {
        try authorized { token in
            var splitter = JSONLineSplitter()
            var lineNumber = 0
            let decoder = JSONDecoder()
            func handle(_ line: Data) throws {
                lineNumber += 1
                let value: T
                do {
                    value = try decoder.decode(T.self, from: line)
                } catch {
                    throw JSONStreamError.malformedLine(number: lineNumber, reason: RucioErrorMapping.describe(error))
                }
                try row(value)
            }
            _ = try http.download(request(method, url, body: body, token: token)) { chunk in
                try splitter.feed(chunk, line: handle)
            }
            try splitter.finish(line: handle)
        }
    }
}
