import Foundation

/// TLS settings of one client. Verification is on unless a source explicitly turns it off.
public struct TLSOptions: Sendable {
    /// Verify the server's certificate chain and host name.
    public var verifyPeer: Bool
    /// A PEM bundle of trusted CAs (nil = the system default).
    public var caBundlePath: String?
    /// A directory of hashed CA certificates (e.g. `/etc/grid-security/certificates`).
    public var caDirectory: String?
    /// A PEM client certificate. An X.509 proxy file holds certificate, key and chain: pass it here and
    /// leave `clientKeyPath` nil (libcurl then reads the key from the same file).
    public var clientCertificatePath: String?
    public var clientKeyPath: String?

    public init(verifyPeer: Bool = true, caBundlePath: String? = nil, caDirectory: String? = nil,
                clientCertificatePath: String? = nil, clientKeyPath: String? = nil) {
        self.verifyPeer = verifyPeer
        self.caBundlePath = caBundlePath
        self.caDirectory = caDirectory
        self.clientCertificatePath = clientCertificatePath
        self.clientKeyPath = clientKeyPath
    }
}

public struct HTTPClientConfiguration: Sendable {
    /// Seconds allowed to open the TCP (and TLS) connection.
    public var connectTimeout: TimeInterval
    /// A transfer slower than `lowSpeedLimit` bytes/s for `lowSpeedTime` seconds is abandoned (and retried):
    /// this catches stalled connections without capping how long a large download may take.
    public var lowSpeedLimit: Int
    public var lowSpeedTime: TimeInterval
    /// Total time limit of one attempt in seconds; nil = none (large streams may legitimately take long).
    public var requestTimeout: TimeInterval?
    public var retry: RetryPolicy
    public var tls: TLSOptions
    public var userAgent: String
    /// Easy handles kept for reuse (each keeps its connections alive); more may exist while busy.
    public var maxIdleHandles: Int
    /// Share the connection cache between all handles (DNS and TLS sessions are always shared).
    public var shareConnectionCache: Bool
    /// Largest body `send` buffers; bigger replies fail rather than exhaust memory.
    public var maxBufferedBodySize: Int
    /// The HTTP proxy requests go through; nil leaves libcurl to the environment (see `ProxySettings`).
    public var proxy: ProxySettings?

    public init(connectTimeout: TimeInterval = 15, lowSpeedLimit: Int = 1, lowSpeedTime: TimeInterval = 60,
                requestTimeout: TimeInterval? = nil, retry: RetryPolicy = RetryPolicy(), tls: TLSOptions = TLSOptions(),
                userAgent: String = "sciencefs/0.1", maxIdleHandles: Int = 32, shareConnectionCache: Bool = true,
                maxBufferedBodySize: Int = 64 << 20, proxy: ProxySettings? = nil) {
        self.proxy = proxy
        self.connectTimeout = connectTimeout
        self.lowSpeedLimit = lowSpeedLimit
        self.lowSpeedTime = lowSpeedTime
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.tls = tls
        self.userAgent = userAgent
        self.maxIdleHandles = maxIdleHandles
        self.shareConnectionCache = shareConnectionCache
        self.maxBufferedBodySize = maxBufferedBodySize
    }
}
