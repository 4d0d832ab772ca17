import Foundation
import SciencefsCore
import SciencefsHTTP

/// Everything one Rucio source needs. Build it with the memberwise initializer, or with
/// `fromRucioConfig(...)` (the user's own `rucio.cfg`) and then override single fields from the sciencefs config.
/// Secrets live in `credentials`, whose description is redacted.
public struct RucioConfiguration: Sendable, CustomStringConvertible {
    /// Which scopes the source's root directory lists.
    public enum ScopeListing: String, Sendable {
        /// `GET /scopes/`: every scope of the instance (reading other scopes is normal in Rucio).
        case all
        /// `GET /accounts/{account}/scopes/`: only the scopes the account owns.
        case account
    }

    /// The source's directory name in the mount.
    public var name: String
    /// The API server (`rucio_host`), e.g. `https://rucio.example.org` (a trailing slash is dropped).
    public var rucioHost: String
    /// Where tokens are issued (`auth_host`); often the same as `rucioHost`.
    public var authHost: String
    /// The Rucio account (`X-Rucio-Account`); nil = the one the identity maps to (learned at login).
    public var account: String?
    public var vo: String
    public var credentials: RucioCredentials
    public var verifyTLS: Bool
    /// A CA bundle file or a hashed CA directory (`ca_cert`, `$X509_CERT_DIR`).
    public var caCertPath: String?
    /// The RSE uploads go to; nil = the source is read-only for new files.
    public var uploadRSE: String?
    /// RSEs to read from first, in this order (before the server's own priority).
    public var preferredRSEs: [String]
    /// The RSE `sciencefs stage` makes a replication rule to when the user names none (`stage_rse`); nil = stage
    /// into the local data cache instead.
    public var stageRSE: String?
    /// Sent as `client_location.site` with replica lookups so the server ranks that site's replicas first.
    public var site: String?
    public var scopeListing: ScopeListing
    /// `mkdir NAME` creates a CONTAINER when NAME ends with this suffix, else a DATASET (nil = always a dataset).
    public var containerSuffix: String?
    public var cachePolicy: CachePolicy
    public var connectTimeout: TimeInterval
    /// Seconds without progress before a transfer is abandoned.
    public var stallTimeout: TimeInterval
    /// Retries of API calls (Rucio's own client backs off on 502/503/504 the same way).
    public var retry: RetryPolicy
    /// Retries against one storage endpoint before the read falls over to the next replica: kept low, since
    /// another replica is usually a better bet than waiting for a sick one.
    public var storageRetry: RetryPolicy
    /// Renew the token this long before `X-Rucio-Auth-Token-Expires`.
    public var tokenRefreshMargin: TimeInterval
    /// An RSE that failed a read is tried last for this long.
    public var failedRSEPenalty: TimeInterval
    /// Seconds a storage server may send no byte (while connecting or mid-transfer) before the read abandons that
    /// replica for the next one, continuing from the first byte not yet delivered (`replica_stall_timeout`).
    public var replicaStallTimeout: TimeInterval = 10
    /// Which files the Core verifies whole before serving them (`verify_whole_mb`).
    public var verification = VerificationPolicy()
    public var isWritable: Bool
    /// The site's caching HTTP proxy for replica reads (`proxy`, `no_proxy`); API calls never use it. nil: libcurl's
    /// environment variables apply.
    public var proxy: ProxySettings?

    public init(name: String = "rucio", rucioHost: String, authHost: String? = nil, account: String? = nil,
                vo: String = "def", credentials: RucioCredentials, verifyTLS: Bool = true, caCertPath: String? = nil,
                uploadRSE: String? = nil, preferredRSEs: [String] = [], site: String? = nil,
                scopeListing: ScopeListing = .all, containerSuffix: String? = nil,
                cachePolicy: CachePolicy = CachePolicy(), connectTimeout: TimeInterval = 15,
                stallTimeout: TimeInterval = 60, retry: RetryPolicy = RetryPolicy(),
                storageRetry: RetryPolicy = RetryPolicy(maxRetries: 1), tokenRefreshMargin: TimeInterval = 300,
                failedRSEPenalty: TimeInterval = 300, isWritable: Bool = true) {
        self.name = name
        self.rucioHost = Self.trimmed(rucioHost)
        self.authHost = Self.trimmed(authHost ?? rucioHost)
        self.account = account
        self.vo = vo
        self.credentials = credentials
        self.verifyTLS = verifyTLS
        self.caCertPath = caCertPath
        self.uploadRSE = uploadRSE
        self.preferredRSEs = preferredRSEs
        self.site = site
        self.scopeListing = scopeListing
        self.containerSuffix = containerSuffix
        self.cachePolicy = cachePolicy
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.retry = retry
        self.storageRetry = storageRetry
        self.tokenRefreshMargin = tokenRefreshMargin
        self.failedRSEPenalty = failedRSEPenalty
        self.isWritable = isWritable
    }

    static func trimmed(_ url: String) -> String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    public var description: String {
        "RucioConfiguration(name: \(name), rucioHost: \(rucioHost), authHost: \(authHost), account: \(account ?? "-"), "
            + "vo: \(vo), credentials: \(credentials), uploadRSE: \(uploadRSE ?? "-"))"
    }

    private var tlsOptions: TLSOptions {
        var isDirectory: ObjCBool = false
        let caIsDirectory = caCertPath.map { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue } ?? false
        let client = credentials.clientCertificate
        return TLSOptions(verifyPeer: verifyTLS, caBundlePath: caIsDirectory ? nil : caCertPath,
                          caDirectory: caIsDirectory ? caCertPath : nil,
                          clientCertificatePath: client?.certificate, clientKeyPath: client?.key)
    }

    /// Settings of the client that talks to the Rucio API (and auth) server.
    public var apiClientConfiguration: HTTPClientConfiguration {
        HTTPClientConfiguration(connectTimeout: connectTimeout, lowSpeedLimit: 1, lowSpeedTime: stallTimeout,
                                retry: retry, tls: tlsOptions)
    }

    /// Settings of the client that writes storage PFNs (uploads): the same TLS identity (grid storage accepts the
    /// X.509 proxy too), fewer retries.
    public var storageClientConfiguration: HTTPClientConfiguration {
        HTTPClientConfiguration(connectTimeout: connectTimeout, lowSpeedLimit: 1, lowSpeedTime: stallTimeout,
                                retry: storageRetry, tls: tlsOptions)
    }

    /// Settings of the client that reads replicas. A storage server that sends no byte for `replicaStallTimeout`
    /// (connect and TLS included) is given up on at once, without a retry against the same server: the next
    /// replica is the better bet, and a retry would multiply how long a reader waits for its EIO when no other
    /// replica is left. Other failures (a dropped connection, a 5xx) keep `storageRetry`.
    public var replicaReadClientConfiguration: HTTPClientConfiguration {
        var retry = storageRetry
        retry.retriesTimeouts = false
        return HTTPClientConfiguration(connectTimeout: min(connectTimeout, replicaStallTimeout), lowSpeedLimit: 1,
                                       lowSpeedTime: replicaStallTimeout, retry: retry, tls: tlsOptions, proxy: proxy)
    }
}
