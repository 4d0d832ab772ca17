import AMIEBackend
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

extension BackendFactory {
    /// `[sources.NAME] type = "amie"`: `site_name` and the API key (`api_key`, or better `api_key_env` so the
    /// config file holds no secret) are required; `base_url` defaults to the production AMIE API.
    static func makeAMIE(name: String, _ source: SourceConfiguration, logger: Logger) throws -> Backend {
        guard let site = source.siteName, !site.isEmpty else {
            throw ConfigurationError("source \(name): an AMIE source needs site_name (the site's AMIE code, e.g. PSC)")
        }
        var key = source.apiKey
        if let env = source.apiKeyEnv {
            guard let v = ProcessInfo.processInfo.environment[env], !v.isEmpty else {
                throw ConfigurationError("source \(name): environment variable \(env) (api_key_env) is not set")
            }
            key = v
        }
        guard let key, !key.isEmpty else {
            throw ConfigurationError("source \(name): an AMIE source needs api_key or api_key_env")
        }
        var config = AMIEConfiguration(name: name, siteName: site, apiKey: key,
                                       baseURL: source.baseURL ?? AMIEConfiguration.defaultBaseURL)
        config.apply(source, name: name, logger: logger)
        return AMIEBackend(configuration: config, logger: logger)
    }
}
