import CLISupport
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP
import TapisBackend

extension TapisConfiguration: CommonSourceSettings {}

extension BackendFactory {
    /// `[sources.NAME] type = "tapis"`: `base_url` (the tenant, e.g. https://tacc.tapis.io), and either `username`
    /// with `password`/`password_env` (the password grant, renewed as needed), `refresh_token_file` with the OAuth
    /// client in `api_key`/`api_secret` (the refresh grant), or `token_file` (a JWT the user already has). Whatever is left out comes from the user's own Tapis tools (`TapisUserCredentials`: tapipy's
    /// actor environment, the TapisV3 CLI's settings file, or `credentials_file` in its place).
    static func makeTapis(name: String, _ source: SourceConfiguration, logger: Logger) throws -> Backend {
        let environment = ProcessInfo.processInfo.environment
        let settingsURL = source.credentialsFile.map { URL(fileURLWithPath: expandTilde($0)) }
            ?? TapisUserCredentials.cliSettingsFile(home: UserDirectories.current.home.path)
        if source.credentialsFile != nil, !FileManager.default.fileExists(atPath: settingsURL.path) {
            throw ConfigurationError("source \(name): credentials_file \(settingsURL.path) does not exist")
        }
        let found = TapisUserCredentials.read(environment: environment, cliSettings: settingsURL)
        guard let baseURL = source.baseURL ?? found.baseURL else {
            throw ConfigurationError("source \(name): a Tapis source needs base_url (the tenant, e.g. https://tacc.tapis.io)")
        }
        var config = TapisConfiguration(name: name, baseURL: baseURL)
        config.username = source.username ?? found.username
        config.password = source.password ?? (source.username == nil || source.username == found.username ? found.password : nil)
        if let env = source.passwordEnv {
            guard let v = environment[env] else {
                throw ConfigurationError("source \(name): environment variable \(env) (password_env) is not set")
            }
            config.password = v
        }
        if let file = source.tokenFile.map(expandTilde) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                  case let jwt = text.trimmingCharacters(in: .whitespacesAndNewlines), !jwt.isEmpty else {
                throw ConfigurationError("source \(name): token_file \(file) cannot be read or is empty")
            }
            config.accessToken = jwt
        } else if config.password == nil {
            config.accessToken = found.accessToken
        }
        config.clientID = source.apiKey
        config.clientKey = source.apiSecret
        if let file = source.refreshTokenFile.map(expandTilde) {
            guard config.clientID != nil, config.clientKey != nil else {
                throw ConfigurationError("source \(name): refresh_token_file needs the OAuth client it was issued to, in api_key and api_secret")
            }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                  case let token = text.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
                throw ConfigurationError("source \(name): refresh_token_file \(file) cannot be read or is empty")
            }
            config.refreshToken = token
            config.refreshTokenFile = file
        }
        guard config.accessToken != nil || (config.username != nil && config.password != nil)
              || config.refreshToken != nil else {
            throw ConfigurationError("source \(name): a Tapis source needs username and password (or password_env), refresh_token_file (with api_key and api_secret), or token_file")
        }
        if let v = source.pageSize { config.pageSize = max(1, v) }
        if let v = source.transferURLs { config.transferURLs = v }
        config.proxy = try OfflineAndProxySettings.proxy(name, source, type: .tapis)
        config.apply(source, name: name, logger: logger)
        let http = HTTPClient(configuration: config.httpClientConfiguration, logger: logger)
        return TapisBackend(configuration: config, http: http, logger: logger)
    }
}
