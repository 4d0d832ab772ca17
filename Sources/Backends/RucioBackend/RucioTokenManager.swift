import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// How one source gets its `X-Rucio-Auth-Token`: the configured token, a token file an external agent keeps fresh,
/// or a login (userpass, X.509, X.509 proxy). When to renew it (before `X-Rucio-Auth-Token-Expires` minus the
/// margin, and after a 401), and the one-login-at-a-time rule, are `RenewingToken`'s, shared with Agave and Tapis;
/// `RucioAPI` holds it. Tokens and passwords are never logged.
///
/// `@unchecked Sendable` because `lock` guards `learnedAccount` and `fileToken`. Lock order: `renew` runs under
/// `RenewingToken`'s lock and takes `lock` briefly inside it; nothing is taken under `lock`.
final class RucioTokenManager: @unchecked Sendable {
    private let configuration: RucioConfiguration
    private let http: HTTPClient
    private let logger: Logger

    private let lock = NSLock()
    /// The account the server says the token belongs to (used when the configuration names none).
    private var learnedAccount: String?
    /// The token last read from the token file: the file still holding it after a rejection means its agent has
    /// not renewed it yet.
    private var fileToken: String?

    init(configuration: RucioConfiguration, http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
    }

    /// The account to send as `X-Rucio-Account`.
    var account: String? {
        lock.withLock { configuration.account ?? learnedAccount }
    }

    /// A configured bearer token is used as it is, until the server rejects it.
    var initialToken: RenewingToken.Issued? {
        if case .token(let given) = configuration.credentials { return RenewingToken.Issued(token: given, expiry: nil) }
        return nil
    }

    /// A new token, for the credentials the configuration names. Runs under `RenewingToken`'s lock.
    func renew(reason: String) throws -> RenewingToken.Issued {
        switch configuration.credentials {
        case .token:
            logger.error("Rucio rejected the configured bearer token and it cannot be renewed here",
                         metadata: ["source": "\(configuration.name)"])
            throw FSError.permissionDenied
        case .tokenFile(let path):
            return RenewingToken.Issued(token: try readTokenFile(path, reason: reason), expiry: nil)
        case .userpass(let username, let password):
            var headers = HTTPHeaders()
            headers.add("X-Rucio-Username", username)
            headers.add("X-Rucio-Password", password)
            return try login(path: "/auth/userpass", extraHeaders: headers, reason: reason)
        case .x509(_, let key):
            if let key { try checkPrivateKeyMode(key) }
            return try login(path: "/auth/x509", extraHeaders: HTTPHeaders(), reason: reason)
        case .x509Proxy(let path):
            try checkPrivateKeyMode(path)
            return try login(path: "/auth/x509_proxy", extraHeaders: HTTPHeaders(), reason: reason)
        }
    }

    /// An external agent keeps the file fresh; a rejected token that is still the file's content means the
    /// agent has not renewed it yet, which we cannot fix.
    private func readTokenFile(_ path: String, reason: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            logger.error("cannot read the Rucio bearer token file", metadata: ["source": "\(configuration.name)", "file": "\(path)"])
            throw FSError.permissionDenied
        }
        let fresh = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let stale = lock.withLock { () -> Bool in
            if fresh.isEmpty || fresh == fileToken { return true }
            fileToken = fresh
            return false
        }
        guard !stale else {
            logger.error("the Rucio bearer token in the token file was rejected and has not been renewed",
                         metadata: ["source": "\(configuration.name)", "file": "\(path)"])
            throw FSError.permissionDenied
        }
        return fresh
    }

    /// The Rucio client refuses private keys readable by others; so do we, with a clear log line.
    private func checkPrivateKeyMode(_ path: String) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value else {
            logger.error("cannot read the X.509 key/proxy file", metadata: ["source": "\(configuration.name)", "file": "\(path)"])
            throw FSError.permissionDenied
        }
        if mode & 0o077 != 0 {
            logger.error("X.509 key/proxy file must be mode 400 or 600",
                         metadata: ["source": "\(configuration.name)", "file": "\(path)", "mode": "\(String(mode, radix: 8))"])
            throw FSError.permissionDenied
        }
    }

    private func login(path: String, extraHeaders: HTTPHeaders, reason: String) throws -> RenewingToken.Issued {
        logger.info("requesting a Rucio token", metadata: ["source": "\(configuration.name)",
                                                          "auth_type": "\(configuration.credentials.authType)", "why": "\(reason)"])
        var headers = extraHeaders
        if let account { headers.add("X-Rucio-Account", account) }
        headers.add("X-Rucio-VO", configuration.vo)
        let url = configuration.authHost + path
        let response: HTTPResponse
        do {
            response = try http.send(HTTPRequest(method: .get, url: url, headers: headers))
        } catch let error as HTTPError {
            if let status = error.statusCode, status == 400 || status == 401 || status == 403 {
                logger.error("Rucio refused to issue a token", metadata: [
                    "source": "\(configuration.name)", "status": "\(status)",
                    "why": "\(RucioErrorMapping.exception(Self.body(of: error)) ?? "no detail")"])
                throw FSError.permissionDenied
            }
            logger.error("Rucio token request failed", metadata: ["source": "\(configuration.name)", "error": "\(error)"])
            throw FSError.io("token request to \(url) failed: \(error)")
        }
        if response.status == 206 {
            logger.error("the identity maps to several Rucio accounts; set `account` in the configuration",
                         metadata: ["source": "\(configuration.name)", "accounts": "\(Self.header(response, "X-Rucio-Auth-Accounts") ?? "?")"])
            throw FSError.permissionDenied
        }
        guard let fresh = Self.header(response, "X-Rucio-Auth-Token"), !fresh.isEmpty else {
            logger.error("Rucio token reply has no X-Rucio-Auth-Token header", metadata: ["source": "\(configuration.name)"])
            throw FSError.io("token reply from \(url) has no X-Rucio-Auth-Token header")
        }
        // Without an expiry header, assume Rucio's default lifetime (1 h); a 401 renews early anyway.
        let now = Date()
        let expiry = Self.header(response, "X-Rucio-Auth-Token-Expires").flatMap(RucioDate.parse) ?? now.addingTimeInterval(3600)
        let lifetime = max(0, expiry.timeIntervalSince(now))
        if let learned = Self.header(response, "X-Rucio-Auth-Account"), !learned.isEmpty {
            lock.withLock { learnedAccount = learned }
        }
        // Renewed the margin before expiry, but never earlier than half-way: a server issuing short-lived tokens
        // does not make every call log in again.
        return RenewingToken.Issued(token: fresh, expiry: expiry,
                                    renewAt: expiry.addingTimeInterval(-min(configuration.tokenRefreshMargin, lifetime / 2)))
    }

    /// A response header's value (the HTTP layer strips line endings and surrounding whitespace).
    static func header(_ response: HTTPResponse, _ name: String) -> String? {
        response.headers[name]
    }

    private static func body(of error: HTTPError) -> Data {
        if case .status(_, let body) = error { return body }
        return Data()
    }
}
