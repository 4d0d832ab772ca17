import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Everything one Tapis v3 source needs. Secrets (password, JWT) are held here in memory only and never logged.
public struct TapisConfiguration: Sendable {
    /// The source's directory name in the mount.
    public var name: String
    /// The tenant base URL, e.g. `https://tacc.tapis.io` (a trailing slash is dropped).
    public var baseURL: String
    /// For the password grant of `POST /v3/oauth2/tokens`; without them a given `accessToken` is used until it expires.
    public var username: String?
    public var password: String?
    /// The OAuth client (`client_id`, `client_key`), sent with HTTP Basic on the token grants: with it Tapis issues
    /// refresh tokens, and renewals use the refresh grant instead of sending the password again.
    public var clientID: String?
    public var clientKey: String?
    /// A refresh token the user already has (tapipy's `t.refresh_token.refresh_token`); needs the client.
    public var refreshToken: String?
    /// Where `refreshToken` came from: each new refresh token Tapis issues is written back there (mode 0600), so
    /// the next mount starts from a token that still works.
    public var refreshTokenFile: String?
    /// A Tapis JWT the user already has (sent as `X-Tapis-Token`).
    public var accessToken: String?
    /// When `accessToken` stops working; nil = read from the JWT's `exp` claim, else unknown.
    public var tokenExpiry: Date?
    public var verifyTLS: Bool
    public var caBundlePath: String?
    /// Listing page size (`limit`); the server may clamp it lower, which the paging handles.
    public var pageSize: Int
    public var cachePolicy: CachePolicy
    /// Seconds allowed to connect, and without progress before a transfer is abandoned and retried.
    public var connectTimeout: TimeInterval
    public var stallTimeout: TimeInterval
    public var retry: RetryPolicy
    /// Renew the access token this long before it expires.
    public var tokenRefreshMargin: TimeInterval
    public var isWritable: Bool
    /// How long job records and outputs stay fresh (`jobs/`).
    public var jobCaching = JobCaching()
    /// System id → the base URL a third-party copy service (FTS3) reaches that system's root directory at
    /// (e.g. `davs://dtn.example.org:443/data`). Systems not listed take part in no FTS copy.
    public var transferURLs: [String: String] = [:]
    /// An HTTP proxy for every request of the source (`proxy`, `no_proxy`). nil: libcurl's environment variables apply.
    public var proxy: ProxySettings?

    public init(name: String = "tapis", baseURL: String, username: String? = nil, password: String? = nil,
                accessToken: String? = nil, tokenExpiry: Date? = nil, verifyTLS: Bool = true,
                caBundlePath: String? = nil, pageSize: Int = 100, cachePolicy: CachePolicy = CachePolicy(),
                connectTimeout: TimeInterval = 15, stallTimeout: TimeInterval = 60, retry: RetryPolicy = RetryPolicy(),
                tokenRefreshMargin: TimeInterval = 60, isWritable: Bool = true) {
        self.name = name
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.username = username
        self.password = password
        self.accessToken = accessToken
        self.tokenExpiry = tokenExpiry
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

    /// The HTTP client settings this source implies.
    public var httpClientConfiguration: HTTPClientConfiguration {
        HTTPClientConfiguration(connectTimeout: connectTimeout, lowSpeedLimit: 1, lowSpeedTime: stallTimeout,
                                retry: retry, tls: TLSOptions(verifyPeer: verifyTLS, caBundlePath: caBundlePath),
                                proxy: proxy)
    }
}
