import Foundation
import SciencefsHTTP

/// Where an FTS3 server is and how to prove who we are to it (docs/protocols/fts3.md §1–§2).
///
/// `description` never shows a bearer token, so a configuration can be logged as is.
public struct FTS3Configuration: Sendable, CustomStringConvertible {
    /// How the client authenticates. X.509 users must also delegate a proxy to the server before submitting
    /// (the client does this itself); bearer-token users never delegate.
    public enum Credential: Sendable, Equatable, CustomStringConvertible {
        /// Looked up as the real client does: `$X509_USER_PROXY` → `/tmp/x509up_u<euid>` →
        /// `$X509_USER_CERT` + `$X509_USER_KEY` (key defaults to the cert file) → the host certificate
        /// (`/etc/grid-security/hostcert.pem` + `hostkey.pem`).
        case automatic
        /// One PEM file with the proxy certificate, its key and the chain behind it.
        case proxy(path: String)
        /// A PEM certificate (possibly followed by its chain) and a PEM private key (unencrypted).
        case certificate(cert: String, key: String)
        /// An OAuth2 access token sent as `Authorization: Bearer`; never delegates.
        case bearer(token: String)

        public var description: String {
            switch self {
            case .automatic: return "automatic"
            case .proxy(let path): return "proxy(\(path))"
            case .certificate(let cert, let key): return "certificate(cert: \(cert), key: \(key))"
            case .bearer: return "bearer(<redacted>)"
            }
        }
    }

    /// The REST endpoint including its port, e.g. `https://fts.example.org:8446`. A path prefix is kept.
    public var endpoint: URL
    public var credential: Credential
    /// A PEM bundle of trusted CAs (in addition to `caDirectory`).
    public var caBundle: String?
    /// A hashed CA directory (OpenSSL `CApath`). nil = `$X509_CERT_DIR`, else `/etc/grid-security/certificates`
    /// when that exists, else the system default trust store only.
    public var caDirectory: String?
    /// Verify the server's certificate and host name. Off only for throw-away test servers.
    public var verifyPeer: Bool
    /// How long the proxy we delegate should live (capped by the chain's own expiry).
    public var delegationLifetime: TimeInterval
    /// Delegate again when the server's copy has less than this left.
    public var delegateWhenLifetimeBelow: TimeInterval

    /// Seconds allowed to open the connection (TCP + TLS).
    public var connectTimeout: TimeInterval = 30
    /// Total time limit of one request; FTS3 replies are small, so a stuck server is given up on.
    public var requestTimeout: TimeInterval = 120
    /// Retries of failed connections and 5xx replies (a submit is only retried before its body was sent).
    public var retry: RetryPolicy = RetryPolicy()
    public var userAgent: String = "sciencefs-fts3/0.1"

    public init(endpoint: URL, credential: Credential = .automatic, caBundle: String? = nil, caDirectory: String? = nil,
                verifyPeer: Bool = true, delegationLifetime: TimeInterval = 7 * 3600,
                delegateWhenLifetimeBelow: TimeInterval = 2 * 3600) {
        self.endpoint = endpoint
        self.credential = credential
        self.caBundle = caBundle
        self.caDirectory = caDirectory
        self.verifyPeer = verifyPeer
        self.delegationLifetime = delegationLifetime
        self.delegateWhenLifetimeBelow = delegateWhenLifetimeBelow
    }

    public var description: String {
        "FTS3Configuration(endpoint: \(endpoint.absoluteString), credential: \(credential), "
            + "caBundle: \(caBundle ?? "-"), caDirectory: \(caDirectory ?? "-"), verifyPeer: \(verifyPeer))"
    }

    /// The CA directory to use: the configured one, else `$X509_CERT_DIR`, else the grid default if it exists
    /// (the real client's `capath` order).
    static func effectiveCADirectory(configured: String?, environment: [String: String],
                                     directoryExists: (String) -> Bool) -> String? {
        if let configured { return configured }
        if let fromEnvironment = environment["X509_CERT_DIR"], !fromEnvironment.isEmpty { return fromEnvironment }
        let gridDefault = "/etc/grid-security/certificates"
        return directoryExists(gridDefault) ? gridDefault : nil
    }
}
