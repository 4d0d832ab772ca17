import AgaveBackend
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Builds one backend per configured source.
enum BackendFactory {
    static func make(_ sources: [String: SourceConfiguration], logger: Logger) throws -> [Backend] {
        try sources.keys.sorted().map { name in
            guard let source = sources[name] else { throw ConfigurationError("source \(name) vanished") }
            switch source.type {
            case "agave": return try makeAgave(name: name, source, logger: logger)
            default: throw ConfigurationError("source \(name): unknown type \(source.type)")
            }
        }
    }

    /// Settings in the sciencefs config win; anything missing comes from the Agave CLI's own `~/.agave/current`.
    static func makeAgave(name: String, _ source: SourceConfiguration, logger: Logger) throws -> Backend {
        let credentialsURL = source.credentialsFile.map { URL(fileURLWithPath: expandTilde($0)) }
        var config: AgaveConfiguration
        if let fromCLI = try? AgaveConfiguration.fromAgaveCurrent(name: name, file: credentialsURL) {
            config = fromCLI
            if let baseURL = source.baseURL { config = AgaveConfiguration(name: name, baseURL: baseURL,
                apiKey: config.apiKey, apiSecret: config.apiSecret, username: config.username,
                accessToken: config.accessToken, refreshToken: config.refreshToken, tokenExpiry: config.tokenExpiry,
                credentialsFile: config.credentialsFile) }
        } else if let baseURL = source.baseURL {
            config = AgaveConfiguration(name: name, baseURL: baseURL)
        } else if let credentialsURL {
            throw ConfigurationError("source \(name): cannot read Agave credentials from \(credentialsURL.path)")
        } else {
            throw ConfigurationError("source \(name): set base_url, or log in with the Agave CLI so ~/.agave/current exists")
        }
        if let v = source.apiKey { config.apiKey = v }
        if let v = source.apiSecret { config.apiSecret = v }
        if let v = source.username { config.username = v }
        if let v = source.password { config.password = v }
        if let env = source.passwordEnv {
            guard let v = ProcessInfo.processInfo.environment[env] else {
                throw ConfigurationError("source \(name): environment variable \(env) (password_env) is not set")
            }
            config.password = v
        }
        if let v = source.verifyTLS { config.verifyTLS = v }
        if let v = source.caBundle { config.caBundlePath = expandTilde(v) }
        if let v = source.pageSize { config.pageSize = max(1, v) }
        if let v = source.attributeTTL { config.cachePolicy.attributeTTL = v }
        if let v = source.listingTTL { config.cachePolicy.listingTTL = v }
        if let v = source.negativeTTL { config.cachePolicy.negativeTTL = v }
        if let v = source.readOnly { config.isWritable = !v }
        if !config.verifyTLS {
            logger.warning("TLS certificate verification is off for this source", metadata: ["source": "\(name)"])
        }
        let http = HTTPClient(configuration: config.httpClientConfiguration, logger: logger)
        return AgaveBackend(configuration: config, http: http, logger: logger)
    }
}
