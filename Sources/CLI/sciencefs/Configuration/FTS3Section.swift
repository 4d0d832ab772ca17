import Foundation

/// The `[fts3]` table: which FTS3 server copies between sources, and with which credential. With none of `cert`,
/// `proxy`, `token`, `token_env` set, the credential is found as the FTS3 clients find it (`X509_USER_PROXY`,
/// `/tmp/x509up_u<uid>`, `X509_USER_CERT` + `X509_USER_KEY`).
struct FTS3Section: Decodable {
    /// e.g. `https://fts3.example.org:8446`.
    var endpoint: String
    var cert: String?
    var key: String?
    var proxy: String?
    /// An OAuth2 access token, or the environment variable holding one (better: the file stays secret-free).
    var token: String?
    var tokenEnv: String?
    var caBundle: String?
    var caDir: String?
    var verifyTLS: Bool?
    /// The longest pause between two polls of a running job, for every job of the mount (`PollPolicy.maxInterval`,
    /// docs/TRANSFERS.md).
    var pollInterval: Seconds?
    /// Seconds one REST request may take in all (replies are small) before it is abandoned and retried.
    var timeout: Seconds?
    var retries: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case endpoint, cert, key, proxy, token
        case tokenEnv = "token_env"
        case caBundle = "ca_bundle"
        case caDir = "ca_dir"
        case verifyTLS = "verify_tls"
        case pollInterval = "poll_interval"
        case timeout, retries
    }
}
