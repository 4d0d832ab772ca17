import Foundation
import SciencefsCore
import SciencefsHTTP

/// `offline` and `proxy`/`no_proxy`, read and checked in one place (docs/CONFIGURATION.md, docs/SITE-CACHE.md).
enum OfflineAndProxySettings {
    /// Each source's `offline` setting, refusing any value but "serve-stale" and "fail".
    static func offlineModes(_ sources: [String: SourceConfiguration]) throws -> [String: OfflineMode] {
        var modes: [String: OfflineMode] = [:]
        for (name, source) in sources {
            guard let text = source.offline else { continue }
            guard let mode = OfflineMode(rawValue: text) else {
                throw ConfigurationError("source \(name): offline must be \"serve-stale\" or \"fail\", not \"\(text)\"")
            }
            modes[name] = mode
        }
        return modes
    }

    /// The source's `proxy` (with `no_proxy`), nil when unset (libcurl's environment variables then apply). Only
    /// Rucio (replica reads), Agave and Tapis (every request) send data through an HTTP proxy; another type refuses
    /// the keys.
    static func proxy(_ name: String, _ source: SourceConfiguration, type: SourceType) throws -> ProxySettings? {
        guard source.proxy != nil || source.noProxy != nil else { return nil }
        guard type == .rucio || type == .agave || type == .tapis else {
            throw ConfigurationError("source \(name): proxy and no_proxy apply to rucio, agave and tapis sources only")
        }
        guard let url = source.proxy else {
            throw ConfigurationError("source \(name): no_proxy needs proxy (without proxy, set the NO_PROXY environment variable)")
        }
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme, parsed.host?.isEmpty == false,
              ["http", "https", "socks4", "socks4a", "socks5", "socks5h"].contains(scheme.lowercased()) else {
            // The value may hold a password, and one that does not parse cannot be trusted to hide it: not echoed.
            throw ConfigurationError("source \(name): proxy must be a URL with a scheme and a host, such as "
                + "http://squid.example.org:3128")
        }
        return ProxySettings(url: url, noProxy: source.noProxy)
    }
}
