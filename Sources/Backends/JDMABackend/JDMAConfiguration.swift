import Foundation
import SciencefsCore
import SciencefsHTTP

/// Everything one JDMA source needs. JDMA has no authentication (docs/protocols/jdma.md §2): the user is only a `name`, so
/// the server URL must be a trusted, internal one. The only secrets are the storage backend `credentials`
/// (from `~/.jdma.json`), sent in PUT/GET/DELETE bodies and never logged (`description` redacts them).
public struct JDMAConfiguration: Sendable, CustomStringConvertible {
    /// The source's directory name in the mount.
    public var name: String
    /// The JDMA control root, e.g. `https://jdma3.ceda.ac.uk/jdma_control`; `api/v1/` is appended.
    public var serverURL: String
    /// The JDMA user (`name` in every call; the real client sends `$USER` for file/archive/modify calls).
    public var userName: String
    /// Workspaces always shown in the root, even before they hold a batch (e.g. `default_gws`).
    public var workspaces: [String]
    /// A directory both JDMA and this daemon can read and write: GETs land in `<staging>/get/<batch id>/`,
    /// files copied in wait in `<staging>/put/<workspace>/<label>/`.
    public var stagingDirectory: URL
    /// Storage backend id new batches go to (`elastictape`, `objectstore`, `ftp`).
    public var storage: String
    /// `required_credentials` for `storage`, sent in request bodies.
    public var credentials: [String: String]
    /// How long a read waits for a tape retrieval before failing with ETIMEDOUT.
    public var readTimeout: TimeInterval
    /// A batch directory nobody wrote to for this long is submitted on its own (nil = only explicit submits).
    public var quietPeriod: TimeInterval?
    /// After a retrieval failed, reads report the failure for this long before a new GET is tried.
    public var failureMemory: TimeInterval
    public var verifyTLS: Bool
    /// A PEM bundle of the CAs to trust instead of the system's (a site CA, a test server).
    public var caBundlePath: String?
    public var connectTimeout: TimeInterval
    /// A request that receives nothing for this long is abandoned (then retried per `retry`).
    public var stallTimeout: TimeInterval = 60
    public var retry: RetryPolicy
    public var cachePolicy: CachePolicy
    /// Which files the Core verifies whole against their batch's digest before serving them (`verify_whole_mb`).
    /// Every file by default: a batch is staged whole to local disk before any read, so checking a file before its
    /// first byte costs a local read, never a tape or network one, and a partial read of a bad copy is refused.
    public var verification = VerificationPolicy(wholeFileLimit: .max)
    /// False with `read_only = true`: the Core then refuses every change with EROFS before asking the backend.
    public var isWritable = true
    /// The confirmation setting for `rm -r` of a stored batch: only when true does removing every file of a batch and
    /// then the batch directory send `delete_batch`. Off by default, so a stray `rm -r` deletes nothing on tape.
    public var allowBatchDelete = false

    public init(name: String = "jdma", serverURL: String, userName: String, workspaces: [String] = [],
                stagingDirectory: URL, storage: String = "elastictape", credentials: [String: String] = [:],
                readTimeout: TimeInterval = 600, quietPeriod: TimeInterval? = nil,
                failureMemory: TimeInterval = 30, verifyTLS: Bool = true, connectTimeout: TimeInterval = 15,
                retry: RetryPolicy = RetryPolicy(), cachePolicy: CachePolicy = CachePolicy(attributeTTL: 30, listingTTL: 30)) {
        self.name = name
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        self.userName = userName
        self.workspaces = workspaces
        self.stagingDirectory = stagingDirectory
        self.storage = storage
        self.credentials = credentials
        self.readTimeout = readTimeout
        self.quietPeriod = quietPeriod
        self.failureMemory = failureMemory
        self.verifyTLS = verifyTLS
        self.connectTimeout = connectTimeout
        self.retry = retry
        self.cachePolicy = cachePolicy
    }

    /// The HTTP client settings. TLS verification is on unless the source says `verify_tls = false` (the Python client never verifies; we do).
    public var clientConfiguration: HTTPClientConfiguration {
        HTTPClientConfiguration(connectTimeout: connectTimeout, lowSpeedLimit: 1, lowSpeedTime: stallTimeout, retry: retry,
                                tls: TLSOptions(verifyPeer: verifyTLS, caBundlePath: caBundlePath))
    }

    public var description: String {
        "JDMAConfiguration(name: \(name), server: \(serverURL), user: \(userName), staging: \(stagingDirectory.path), "
            + "storage: \(storage), credentials: \(credentials.isEmpty ? "none" : "<redacted>"))"
    }
}
