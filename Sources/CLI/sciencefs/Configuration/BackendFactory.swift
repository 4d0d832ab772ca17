import AgaveBackend
import Foundation
import Logging
import RucioBackend
import SciencefsCore
import SciencefsHTTP

/// Builds one backend per configured source.
enum BackendFactory {
    static func make(_ sources: [String: SourceConfiguration], logger: Logger) throws -> [Backend] {
        try sources.keys.sorted().map { name in
            guard let source = sources[name] else { throw ConfigurationError("source \(name) vanished") }
            guard let type = SourceType(rawValue: source.type) else {
                throw ConfigurationError("source \(name): unknown type \"\(source.type)\" (known: \(SourceType.known))")
            }
            // Agave, Rucio and Tapis read `proxy` themselves; every other type refuses it rather than ignore it.
            if type != .agave && type != .rucio && type != .tapis { _ = try OfflineAndProxySettings.proxy(name, source, type: type) }
            switch type {
            case .agave: return try makeAgave(name: name, source, logger: logger)
            case .rucio: return try makeRucio(name: name, source, logger: logger)
            case .amie: return try makeAMIE(name: name, source, logger: logger)
            case .jdma: return try makeJDMA(name: name, source, logger: logger)
            case .tapis: return try makeTapis(name: name, source, logger: logger)
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
        if let v = source.pageSize { config.pageSize = max(1, v) }
        if let v = source.transferURLs { config.transferURLs = v }
        config.proxy = try OfflineAndProxySettings.proxy(name, source, type: .agave)
        config.apply(source, name: name, logger: logger)
        let http = HTTPClient(configuration: config.httpClientConfiguration, logger: logger)
        return AgaveBackend(configuration: config, http: http, logger: logger)
    }

    /// Settings in the sciencefs config win; the rest comes from the user's own rucio.cfg (`rucio_config`, else
    /// `$RUCIO_CONFIG`, `$RUCIO_HOME/etc/rucio.cfg`, ...), so a Rucio user mounts with no new secrets.
    static func makeRucio(name: String, _ source: SourceConfiguration, logger: Logger) throws -> Backend {
        let environment = ProcessInfo.processInfo.environment
        let cfgURL = source.rucioConfig.map { URL(fileURLWithPath: expandTilde($0)) }
        var config: RucioConfiguration
        do {
            config = try RucioConfiguration.fromRucioConfig(name: name, file: cfgURL, environment: environment)
        } catch {
            // No usable rucio.cfg: the sciencefs config must say everything itself.
            guard cfgURL == nil, let host = source.rucioHost else {
                throw ConfigurationError("source \(name): \(error)")
            }
            config = RucioConfiguration(name: name, rucioHost: host, credentials: try rucioCredentials(name, source, nil))
        }
        if let v = source.rucioHost { config.rucioHost = v; if source.authHost == nil { config.authHost = v } }
        if let v = source.authHost { config.authHost = v }
        if let v = source.account { config.account = v }
        if let v = source.vo { config.vo = v }
        if source.authType != nil || source.username != nil || source.password != nil || source.passwordEnv != nil
            || source.clientCert != nil || source.clientProxy != nil || source.tokenFile != nil {
            config.credentials = try rucioCredentials(name, source, config.credentials)
        }
        if let v = source.uploadRSE { config.uploadRSE = v }
        if let v = source.preferredRSEs { config.preferredRSEs = v }
        if let v = source.stageRSE { config.stageRSE = v }
        if let v = source.site { config.site = v }
        if let v = source.scopes {
            guard let listing = RucioConfiguration.ScopeListing(rawValue: v) else {
                throw ConfigurationError("source \(name): scope_listing must be \"all\" or \"account\"")
            }
            config.scopeListing = listing
        }
        if let v = source.containerSuffix { config.containerSuffix = v }
        if let v = source.verifyWholeMB { config.verification = try verificationPolicy(name, megabytes: v) }
        if let v = source.replicaStallTimeout?.value {
            guard v > 0 else { throw ConfigurationError("source \(name): replica_stall_timeout must be positive") }
            config.replicaStallTimeout = v
        }
        config.proxy = try OfflineAndProxySettings.proxy(name, source, type: .rucio)
        config.apply(source, name: name, logger: logger)
        return RucioBackend(configuration: config, logger: logger)
    }

    /// `verify_whole_mb`: a whole number of MiB (as `data_cache_size_mb`), 0 meaning "verify every file only once
    /// it has been read fully".
    static func verificationPolicy(_ name: String, megabytes: Int) throws -> VerificationPolicy {
        guard megabytes >= 0, megabytes < 1 << 40 else {
            throw ConfigurationError("source \(name): verify_whole_mb must be a whole number of MiB, 0 or more")
        }
        return VerificationPolicy(wholeFileLimit: UInt64(megabytes) << 20)
    }

    private static func rucioCredentials(_ name: String, _ source: SourceConfiguration,
                                         _ current: RucioCredentials?) throws -> RucioCredentials {
        let password = try source.passwordEnv.map { env -> String in
            guard let v = ProcessInfo.processInfo.environment[env] else {
                throw ConfigurationError("source \(name): environment variable \(env) (password_env) is not set")
            }
            return v
        } ?? source.password
        switch source.authType ?? current?.authType ?? (source.username != nil ? "userpass" : "") {
        case "userpass":
            var username = source.username
            var existing: String?
            if case .userpass(let u, let p)? = current { username = username ?? u; existing = p }
            guard let username, let secret = password ?? existing else {
                throw ConfigurationError("source \(name): userpass needs username and password (or password_env)")
            }
            return .userpass(username: username, password: secret)
        case "x509":
            guard let cert = source.clientCert.map(expandTilde) else {
                if let current, case .x509 = current { return current }
                throw ConfigurationError("source \(name): x509 needs client_cert (and client_key)")
            }
            return .x509(certificate: cert, key: source.clientKey.map(expandTilde))
        case "x509_proxy":
            if let proxy = source.clientProxy.map(expandTilde) { return .x509Proxy(path: proxy) }
            if let current, case .x509Proxy = current { return current }
            throw ConfigurationError("source \(name): x509_proxy needs client_x509_proxy (or X509_USER_PROXY)")
        case "token", "oidc":
            if let file = source.tokenFile.map(expandTilde) { return .tokenFile(file) }
            if let current, case .token = current { return current }
            if let current, case .tokenFile = current { return current }
            throw ConfigurationError("source \(name): token auth needs token_file (or BEARER_TOKEN)")
        default:
            throw ConfigurationError("source \(name): auth_type must be userpass, x509, x509_proxy or token")
        }
    }
}
