import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Everything one Agave source needs. Secrets (password, tokens, API secret) are held here in memory only
/// and never logged; `description`-style output of this type is deliberately not provided.
public struct AgaveConfiguration: Sendable {
    /// The source's directory name in the mount.
    public var name: String
    /// The tenant base URL, e.g. `https://api.tacc.utexas.edu` (a trailing slash is dropped).
    public var baseURL: String
    /// OAuth client key and secret (`apikey`/`apisecret` in `~/.agave/current`), needed to get or refresh tokens.
    public var apiKey: String?
    public var apiSecret: String?
    public var username: String?
    /// Only for the password grant; the Agave CLI never stores it, so a mount from `~/.agave/current` refreshes only.
    public var password: String?
    public var accessToken: String?
    public var refreshToken: String?
    /// When `accessToken` stops working; nil = unknown (it is then used until the server rejects it).
    public var tokenExpiry: Date?
    /// The Agave CLI cache file to write refreshed tokens back to (other tools share it).
    public var credentialsFile: URL?
    public var verifyTLS: Bool
    public var caBundlePath: String?
    /// Listing page size (`limit`); the server may clamp it lower, which the paging handles.
    public var pageSize: Int
    public var cachePolicy: CachePolicy
    /// Seconds allowed to connect, and without progress before a transfer is abandoned and retried.
    public var connectTimeout: TimeInterval
    public var stallTimeout: TimeInterval
    public var retry: RetryPolicy
    /// Refresh the access token this long before it expires.
    public var tokenRefreshMargin: TimeInterval
    public var isWritable: Bool
    /// An HTTP proxy for every request of the source (`proxy`, `no_proxy`). nil: libcurl's environment variables apply.
    public var proxy: ProxySettings?
    /// How long job records and outputs stay fresh (`jobs/`); set after `init`.
    public var jobCaching = JobCaching()
    /// System id → the base URL a third-party copy service (FTS3) reaches that system's storage at, e.g.
    /// `davs://gridftp.example.org:443/data` (the system's root directory). Systems not listed take part in no FTS copy.
    public var transferURLs: [String: String] = [:]

    public init(name: String = "agave", baseURL: String, apiKey: String? = nil, apiSecret: String? = nil,
                username: String? = nil, password: String? = nil, accessToken: String? = nil,
                refreshToken: String? = nil, tokenExpiry: Date? = nil, credentialsFile: URL? = nil,
                verifyTLS: Bool = true, caBundlePath: String? = nil, pageSize: Int = 100,
                cachePolicy: CachePolicy = CachePolicy(), connectTimeout: TimeInterval = 15,
                stallTimeout: TimeInterval = 60, retry: RetryPolicy = RetryPolicy(),
                tokenRefreshMargin: TimeInterval = 60, isWritable: Bool = true) {
        self.name = name
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.username = username
        self.password = password
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.tokenExpiry = tokenExpiry
        self.credentialsFile = credentialsFile
        self.verifyTLS = verifyTLS
        self.caBundlePath = caBundlePath
        self.pageSize = max(1, pageSize)
        self.cachePolicy = cachePolicy
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.retry = retry
        self.tokenRefreshMargin = tokenRefreshMargin
        self.isWritable = isWritable
    }

    /// A configuration from the Agave CLI's credential cache (`$AGAVE_CACHE_DIR/current` or `~/.agave/current`,
    /// or `file` if given). Refreshed tokens are written back to that file.
    public static func fromAgaveCurrent(name: String = "agave", file: URL? = nil,
                                        environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AgaveConfiguration {
        let cache = AgaveCredentialsFile(url: file ?? AgaveCredentialsFile.defaultLocation(environment: environment))
        let credentials = try cache.read()
        guard let baseURL = credentials.baseURL, !baseURL.isEmpty else {
            throw FSError.invalidArgument("\(cache.url.path) has no baseurl")
        }
        return AgaveConfiguration(name: name, baseURL: baseURL, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret,
                                  username: credentials.username, accessToken: credentials.accessToken,
                                  refreshToken: credentials.refreshToken, tokenExpiry: credentials.expiry,
                                  credentialsFile: cache.url)
    }

    /// The HTTP client settings this source implies.
    public var httpClientConfiguration: HTTPClientConfiguration {
        HTTPClientConfiguration(connectTimeout: connectTimeout, lowSpeedLimit: 1, lowSpeedTime: stallTimeout,
                                retry: retry, tls: TLSOptions(verifyPeer: verifyTLS, caBundlePath: caBundlePath),
                                proxy: proxy)
    }
}
