import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Gets new OAuth2 access tokens for one Agave source: the refresh grant, else the password grant. When to renew
/// (before expiry, after a rejection) and the one-renewal-at-a-time rule are `RenewingToken`'s, shared with Tapis.
/// `@unchecked Sendable` because `refreshToken` is read and replaced only inside `renew`, which `RenewingToken` runs
/// under its lock: while one thread refreshes, the others wait for its result instead of each spending the
/// (single-use, rotating) refresh token.
final class AgaveTokenManager: @unchecked Sendable {
    private let configuration: AgaveConfiguration
    private let http: HTTPClient
    private let logger: Logger
    private let credentialsFile: AgaveCredentialsFile?

    private var refreshToken: String?

    init(configuration: AgaveConfiguration, http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
        self.credentialsFile = configuration.credentialsFile.map(AgaveCredentialsFile.init(url:))
        self.refreshToken = configuration.refreshToken
    }

    /// The configured token, if any, to start with.
    var initialToken: RenewingToken.Issued? {
        configuration.accessToken.map { RenewingToken.Issued(token: $0, expiry: configuration.tokenExpiry) }
    }

    /// Refresh grant if we have a refresh token, else (or if that fails) the password grant if we have a password.
    /// Runs under `RenewingToken`'s lock (see the type's comment).
    func renew(reason: String) throws -> RenewingToken.Issued {
        guard let key = configuration.apiKey, let secret = configuration.apiSecret else {
            logger.error("Agave token cannot be renewed: no API key/secret", metadata: ["source": "\(configuration.name)", "why": "\(reason)"])
            throw FSError.permissionDenied
        }
        let client = BasicCredentials(user: key, password: secret)
        if let refresh = refreshToken {
            do {
                return try requestToken(client: client, reason: reason, fields: [
                    ("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", "PRODUCTION"),
                ])
            } catch let error as FSError where error == .permissionDenied && configuration.password != nil {
                logger.warning("Agave refresh token refused; trying the password grant", metadata: ["source": "\(configuration.name)"])
            }
        }
        if let username = configuration.username, let password = configuration.password {
            return try requestToken(client: client, reason: reason, fields: [
                ("grant_type", "password"), ("username", username), ("password", password), ("scope", "PRODUCTION"),
            ])
        }
        logger.error("Agave token expired and cannot be renewed; run `auth-tokens-create` (or `tapis auth init`)",
                     metadata: ["source": "\(configuration.name)"])
        throw FSError.permissionDenied
    }

    private func requestToken(client: BasicCredentials, reason: String, fields: [(String, String)]) throws -> RenewingToken.Issued {
        let grant = fields.first?.1 ?? "?"
        logger.info("renewing Agave access token", metadata: ["source": "\(configuration.name)", "grant": "\(grant)", "why": "\(reason)"])
        let request = HTTPRequest(method: .post, url: configuration.baseURL + "/token", body: .form(fields), basicAuth: client)
        let response: HTTPResponse
        do {
            response = try http.send(request)
        } catch let error as HTTPError {
            if let status = error.statusCode, status == 400 || status == 401 || status == 403 {
                logger.error("Agave token endpoint refused the \(grant) grant", metadata: ["source": "\(configuration.name)", "status": "\(status)"])
                throw FSError.permissionDenied
            }
            logger.error("Agave token request failed", metadata: ["source": "\(configuration.name)", "error": "\(error)"])
            throw FSError.io("token request to \(configuration.baseURL)/token failed: \(error)")
        }
        guard let reply = try? JSONDecoder().decode(AgaveTokenReply.self, from: response.body) else {
            logger.error("Agave token endpoint sent malformed JSON", metadata: ["source": "\(configuration.name)"])
            throw FSError.io("malformed token reply from \(configuration.baseURL)/token")
        }
        // agavepy treats a missing or non-numeric lifetime as one hour.
        let lifetime = reply.expiresIn?.value ?? 3600
        let now = Date()
        if let fresh = reply.refreshToken { refreshToken = fresh }
        persist(accessToken: reply.accessToken, createdAt: now, lifetime: lifetime)
        return RenewingToken.Issued(token: reply.accessToken, expiry: now.addingTimeInterval(lifetime))
    }

    /// Writes the new tokens back to the CLI's cache file; a failure is logged, not fatal (we hold them in memory).
    private func persist(accessToken: String, createdAt: Date, lifetime: TimeInterval) {
        guard let credentialsFile else { return }
        do {
            try credentialsFile.writeTokens(accessToken: accessToken, refreshToken: refreshToken,
                                            createdAt: createdAt, expiresIn: lifetime)
        } catch {
            logger.warning("could not write refreshed Agave tokens back", metadata: ["file": "\(credentialsFile.url.path)", "error": "\(error)"])
        }
    }
}
