import FTS3Client
import Foundation
import Logging
import SciencefsCore

extension BackendFactory {
    /// The one poll rule for every server-side job of a mount; `[fts3] poll_interval` caps the pause between polls.
    static func pollPolicy(_ section: FTS3Section?) -> PollPolicy {
        guard let cap = section?.pollInterval?.value else { return .standard }
        return PollPolicy(maxInterval: cap)
    }

    /// The transfer service of `[fts3]`, or nil when the config has none.
    static func makeTransferService(_ section: FTS3Section?, logger: Logger) throws -> TransferService? {
        guard let section else { return nil }
        guard let endpoint = URL(string: section.endpoint), endpoint.scheme == "https" || endpoint.scheme == "http" else {
            throw ConfigurationError("[fts3] endpoint must be an https:// URL, not \"\(section.endpoint)\"")
        }
        let credential: FTS3Configuration.Credential
        if let env = section.tokenEnv {
            guard let token = ProcessInfo.processInfo.environment[env], !token.isEmpty else {
                throw ConfigurationError("[fts3] environment variable \(env) (token_env) is not set")
            }
            credential = .bearer(token: token)
        } else if let token = section.token {
            credential = .bearer(token: token)
        } else if let proxy = section.proxy {
            credential = .proxy(path: expandTilde(proxy))
        } else if let cert = section.cert {
            credential = .certificate(cert: expandTilde(cert), key: expandTilde(section.key ?? cert))
        } else {
            credential = .automatic
        }
        var configuration = FTS3Configuration(endpoint: endpoint, credential: credential,
                                              caBundle: section.caBundle.map(expandTilde),
                                              caDirectory: section.caDir.map(expandTilde),
                                              verifyPeer: section.verifyTLS ?? true)
        if let v = section.timeout?.value { configuration.requestTimeout = max(1, v) }
        if let v = section.retries { configuration.retry.maxRetries = max(0, v) }
        if !configuration.verifyPeer {
            logger.warning("TLS certificate verification is off for the FTS3 server", metadata: ["endpoint": "\(endpoint)"])
        }
        do { return try FTS3Client(configuration: configuration, logger: logger) } catch {
            throw ConfigurationError("[fts3]: \(error)")
        }
    }
}
