import Foundation
import SciencefsCore
import SciencefsHTTP

/// Everything one AMIE source needs. The API key is held in memory only and never logged.
public struct AMIEConfiguration: Sendable {
    public static let defaultBaseURL = "https://amieclient.xsede.org/v0.10/"

    /// The source's directory name in the mount.
    public var name: String
    /// The site's AMIE code (`XA-SITE`, and the `{site}` in every path), e.g. `PSC`.
    public var siteName: String
    /// The `XA-API-KEY` secret.
    public var apiKey: String
    /// The versioned API base; always ends in `/` (amieclient enforces the same).
    public var baseURL: String
    public var verifyTLS: Bool
    public var caBundlePath: String?
    /// Packet files change only when a packet's header does; listings show new packets, so keep them short.
    public var cachePolicy: CachePolicy
    public var connectTimeout: TimeInterval
    public var stallTimeout: TimeInterval
    public var retry: RetryPolicy
    /// False makes the whole source read-only: no sends, no client-state changes.
    public var isWritable: Bool
    /// Largest packet file accepted in `outgoing/` (packets are small; this guards against a stray big file).
    public var maxPacketBytes: Int

    public init(name: String = "amie", siteName: String, apiKey: String, baseURL: String = AMIEConfiguration.defaultBaseURL,
                verifyTLS: Bool = true, caBundlePath: String? = nil,
                cachePolicy: CachePolicy = CachePolicy(attributeTTL: 10, listingTTL: 10, negativeTTL: 2),
                connectTimeout: TimeInterval = 15, stallTimeout: TimeInterval = 60, retry: RetryPolicy = RetryPolicy(),
                isWritable: Bool = true, maxPacketBytes: Int = 1 << 20) {
        self.name = name
        self.siteName = siteName
        self.apiKey = apiKey
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.verifyTLS = verifyTLS
        self.caBundlePath = caBundlePath
        self.cachePolicy = cachePolicy
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.retry = retry
        self.isWritable = isWritable
        self.maxPacketBytes = maxPacketBytes
    }

    public var httpClientConfiguration: HTTPClientConfiguration {
        HTTPClientConfiguration(connectTimeout: connectTimeout, lowSpeedLimit: 1, lowSpeedTime: stallTimeout,
                                retry: retry, tls: TLSOptions(verifyPeer: verifyTLS, caBundlePath: caBundlePath))
    }
}
