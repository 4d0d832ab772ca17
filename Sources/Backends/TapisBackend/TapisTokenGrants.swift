import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Gets a JWT from `POST /v3/oauth2/tokens` (docs/protocols/tapis.md §3.1), as tapipy does: by the refresh grant
/// when an OAuth client and a refresh token are known, else by the password grant (JSON bodies; the client, if
/// any, in HTTP Basic). Tapis issues a new refresh token with each grant a client makes; the newest is kept, and
/// written back to the file the first one came from, so that the password is sent once at most and a later mount
/// still holds a refresh token that works. A refused refresh token falls back to the password grant when there
/// is a password.
///
/// `@unchecked Sendable` because `refreshToken` is read and replaced only inside `newToken`, which `RenewingToken`
/// runs under its lock: while one thread renews, the others wait for its token instead of each spending the refresh
/// token. Tokens, the client key and the password are never logged.
final class TapisTokenGrants: @unchecked Sendable {
    private let configuration: TapisConfiguration
    private let url: String
    private let http: HTTPClient
    private let logger: Logger
    private var refreshToken: String?

    init(configuration: TapisConfiguration, url: String, http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.url = url
        self.http = http
        self.logger = logger
        self.refreshToken = configuration.refreshToken
    }

    private var client: BasicCredentials? {
        guard let id = configuration.clientID, let key = configuration.clientKey else { return nil }
        return BasicCredentials(user: id, password: key)
    }

    /// A new access token. Runs under `RenewingToken`'s lock (see the type's comment).
    func newToken(reason: String) throws -> RenewingToken.Issued {
        let source = configuration.name
        let password = configuration.username.flatMap { user in configuration.password.map { (user, $0) } }
        if let refresh = refreshToken, let client {
            do {
                return try grant(.json(TapisRefreshGrant(refreshToken: refresh)), kind: "refresh", client: client,
                                 reason: reason)
            } catch FSError.permissionDenied where password != nil {
                // Logged by `grant`; the password still works.
                refreshToken = nil
            }
        }
        guard let (username, secret) = password else {
            logger.error("Tapis token cannot be renewed: no username and password, and no refresh token with its client; set them, or a fresh jwt",
                         metadata: ["source": "\(source)", "why": "\(reason)"])
            throw FSError.permissionDenied
        }
        return try grant(.json(TapisPasswordGrant(username: username, password: secret)), kind: "password",
                         client: client, reason: reason)
    }

    private func grant(_ body: @autoclosure () throws -> RequestBody, kind: String, client: BasicCredentials?,
                       reason: String) throws -> RenewingToken.Issued {
        let source = configuration.name
        logger.info("getting a Tapis access token", metadata: ["source": "\(source)", "grant": "\(kind)", "why": "\(reason)"])
        let response: HTTPResponse
        do {
            response = try http.send(HTTPRequest(method: .post, url: url, body: try body(), basicAuth: client))
        } catch let error as HTTPError {
            if let status = error.statusCode, [400, 401, 403].contains(status) {
                logger.error("Tapis token endpoint refused the \(kind) grant", metadata: ["source": "\(source)", "status": "\(status)"])
                throw FSError.permissionDenied
            }
            throw FSError.io("token request to \(URLRedaction.redact(url)) failed: \(error)")
        }
        let result = try TapisAPI.decodeResult(TapisTokenResult.self, from: response.body, url: url)
        if let fresh = result.refreshToken?.refreshToken, !fresh.isEmpty, fresh != refreshToken {
            refreshToken = fresh
            persist(refreshToken: fresh)
        }
        let access = result.accessToken
        let expiry = access.expiresAt.flatMap(ISOTimestamp.parse)
            ?? access.expiresIn.map { Date().addingTimeInterval($0.value) }
            ?? TapisJWT.expiry(of: access.accessToken)
        return RenewingToken.Issued(token: access.accessToken, expiry: expiry)
    }

    /// Writes the newest refresh token over the file the configured one came from (`CredentialFileWriter`: whole,
    /// mode 600). A failure is logged and not fatal: the token is held in memory for this mount.
    private func persist(refreshToken: String) {
        guard let path = configuration.refreshTokenFile else { return }
        do {
            try CredentialFileWriter.replace(URL(fileURLWithPath: path), with: Data((refreshToken + "\n").utf8))
        } catch {
            logger.warning("cannot write the new Tapis refresh token back to its file; the next mount may need a new one",
                           metadata: ["source": "\(configuration.name)", "file": "\(path)", "error": "\(error)"])
        }
    }
}
